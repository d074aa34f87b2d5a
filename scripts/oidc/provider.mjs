// A real OpenID provider for Baton's sign-in tests: node's oidc-provider
// (npm, an OpenID-certified implementation) on http://127.0.0.1:PORT with
// one confidential client, its own development login page (any login and
// password), and accounts whose email is the login typed. A login starting
// with "unverified" has email_verified false. Prints "ready" once it
// listens; stops when its standard input closes.
//
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const email = id.trim().toLowerCase();
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email,
          email_verified: !email.startsWith('unverified'),
          name: email.split('@')[0],
        };
      },
    };
  },
  // The development login and consent pages: the tests sign in through
  // them as a person would.
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

const server = provider.listen(Number(port), '127.0.0.1', () => {
  console.log('ready');
});
process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
