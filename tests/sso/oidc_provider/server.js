// A real OpenID Connect provider (panva's certified `oidc-provider`) for etime's SSO tests.
// Environment: PORT, ACCOUNTS_FILE (JSON {sub: {email, email_verified, name, ..., groups}},
// re-read at every lookup so a test can change a person's claims), REDIRECT_URIS and
// POST_LOGOUT_REDIRECT_URIS (JSON lists). One static client: etime / etime-test-secret.
// Its built-in development login page signs in whichever account id is typed as "login".
// CLOCK_NOW_MS: the tests' clock (they run at a moved date); tokens are dated from it.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const offset = process.env.CLOCK_NOW_MS ? Number(process.env.CLOCK_NOW_MS) - Date.now() : 0;
if (offset) {
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...args) { super(...(args.length ? args : [RealDate.now() + offset])); }
    static now() { return RealDate.now() + offset; }
  };
}
const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const readAccounts = () => JSON.parse(readFileSync(process.env.ACCOUNTS_FILE, 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'etime',
    client_secret: 'etime-test-secret',
    redirect_uris: JSON.parse(process.env.REDIRECT_URIS),
    post_logout_redirect_uris: JSON.parse(process.env.POST_LOGOUT_REDIRECT_URIS || '[]'),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const account = readAccounts()[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
  // Consent is implied (a company's own provider): grant what the client asked for.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile groups');
    await grant.save();
    return grant;
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['etime-test-only-cookie-key'] },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
