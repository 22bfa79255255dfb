"""/api/v1/approvals/: the requests the caller may decide (the manager inbox), or their own."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from etime.core import approvals
from etime.core.api.permissions import TokenScopePermission
from etime.core.api.viewsets import EtimeReadOnlyViewSet
from etime.core.models import ApprovalDecision, ApprovalRequest, ApprovalStep


class ApprovalStepSerializer(serializers.ModelSerializer[ApprovalStep]):
    class Meta:
        model = ApprovalStep
        fields = ["level", "actor", "on_behalf_of", "decision", "comment", "decided_at"]


class ApprovalRequestSerializer(serializers.ModelSerializer[ApprovalRequest]):
    steps = ApprovalStepSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "object_id",
            "summary",
            "requester",
            "status",
            "levels",
            "current_level",
            "created_at",
            "decided_at",
            "steps",
        ]


class DecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=ApprovalDecision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ApprovalViewSet(EtimeReadOnlyViewSet):
    """Without parameters: pending requests you may decide now. `?mine=true`: your own requests."""

    serializer_class = ApprovalRequestSerializer
    permission_classes = [IsAuthenticated, TokenScopePermission]
    scope_area = "approvals"
    cursor_ordering = ("-created_at",)
    filterset_fields = ["kind", "status"]

    queryset = ApprovalRequest.objects.none()  # for the schema generator

    def get_queryset(self) -> Any:
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return ApprovalRequest.objects.none()
        if self.request.query_params.get("mine") in ("1", "true"):
            queryset = ApprovalRequest.objects.filter(requester_id=user.pk)
        elif self.action == "list":
            queryset = approvals.pending_for(user)
        else:
            queryset = ApprovalRequest.objects.all()
        return queryset.prefetch_related("steps")

    def get_object(self) -> ApprovalRequest:
        approval = super().get_object()
        if not approvals.is_visible_to(approval, self.request.user):
            raise NotFound()
        return approval

    @extend_schema(
        parameters=[OpenApiParameter("mine", bool, description="List your own requests instead")],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=DecisionSerializer, responses={200: ApprovalRequestSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        """Approve, reject, or return (with a comment) at the current level."""
        approval = ApprovalRequest.objects.filter(pk=pk).first()
        if approval is None:
            raise NotFound()
        if not approvals.is_visible_to(approval, request.user):
            raise NotFound()  # not yours to see: the same answer as an unknown id
        payload = DecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decided = approvals.decide(
            request=approval,
            actor=request.user,
            decision=payload.validated_data["decision"],
            comment=payload.validated_data["comment"],
        )
        return Response(
            ApprovalRequestSerializer(ApprovalRequest.objects.prefetch_related("steps").get(pk=decided.pk)).data
        )
