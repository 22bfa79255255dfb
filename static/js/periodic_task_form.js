// django-celery-beat's periodic task form: show the chosen crontab in words under the field
// (its own template does this in an inline script, which the Content-Security-Policy blocks).
(function ($) {
  if (!$) { return; }
  $(function () {
    var data = document.getElementById("readable-crontabs");
    var readable = data ? JSON.parse(data.textContent) : {};
    var help = $(".field-crontab .help");
    var original = help.html() || "";
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function () {
      var text = readable[$("#id_crontab").val()];
      var line = document.createElement("span");
      line.textContent = text || "";
      help.html(original).append("<br>").append(line);
    });
  });
})(window.django && window.django.jQuery);
