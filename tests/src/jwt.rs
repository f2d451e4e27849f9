//! A service-account-shaped JWT signed with a key made for the test, standing in for a
//! Kubernetes cluster's token issuer: OpenBao's JWT auth method verifies it against the public
//! key, so logins through JWT (the snapshot job's, the provider's `auth_login_jwt`) are tested
//! for real without a cluster. The key and token are made by the environment's Python
//! (`cryptography`), a second implementation beside the Rust code that sends them.

use std::path::{Path, PathBuf};

use crate::TestEnv;

/// The files of one signed token.
pub struct ServiceAccountToken {
    /// The issuer's public key, PEM (for `jwt_validation_pubkeys`).
    pub public_key: PathBuf,
    /// The token (audience `vault`, subject `system:serviceaccount:<namespace>:<name>` and the
    /// `kubernetes.io` claims of a projected token, ten minutes of validity).
    pub jwt_file: PathBuf,
}

/// Signs a token for the service account `namespace`/`name` into `dir`.
pub fn service_account_token(
    env: &TestEnv,
    dir: &Path,
    namespace: &str,
    name: &str,
) -> ServiceAccountToken {
    let public_key = dir.join("issuer.pub.pem");
    let jwt_file = dir.join("token");
    env.python(&format!(
        "import base64, json, time\n\
         from cryptography.hazmat.primitives import hashes, serialization\n\
         from cryptography.hazmat.primitives.asymmetric import rsa, padding\n\
         k = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n\
         open('{public}', 'wb').write(k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))\n\
         b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b'=').decode()\n\
         now = int(time.time())\n\
         claims = {{'iss': 'https://kubernetes.default.svc', 'aud': ['vault'], 'sub': 'system:serviceaccount:{namespace}:{name}', 'kubernetes.io': {{'namespace': '{namespace}', 'serviceaccount': {{'name': '{name}', 'uid': '0b4a1b9e-6c2f-4c1e-9f3e-5a8d2c7e1f00'}}}}, 'iat': now, 'nbf': now, 'exp': now + 600}}\n\
         signing = b64(json.dumps({{'alg': 'RS256', 'typ': 'JWT'}}).encode()) + '.' + b64(json.dumps(claims).encode())\n\
         sig = k.sign(signing.encode(), padding.PKCS1v15(), hashes.SHA256())\n\
         open('{jwt}', 'w').write(signing + '.' + b64(sig))",
        public = public_key.display(),
        jwt = jwt_file.display(),
    ));
    ServiceAccountToken {
        public_key,
        jwt_file,
    }
}

/// Enables the JWT auth method at `mount` trusting `token`'s issuer key, with a role `role`
/// bound to the token's audience and `subject`, whose tokens get `policies`.
pub fn jwt_auth_with_role(
    env: &TestEnv,
    mount: &str,
    token: &ServiceAccountToken,
    role: &str,
    subject: &str,
    policies: &str,
) {
    env.bao_ok(&["auth", "enable", "-path", mount, "jwt"]);
    env.bao_ok(&[
        "write",
        &format!("auth/{mount}/config"),
        &format!("jwt_validation_pubkeys=@{}", token.public_key.display()),
    ]);
    jwt_role(env, mount, role, subject, policies);
}

/// Writes the role `role` of the JWT auth method at `mount`: tokens with audience `vault` and
/// subject `subject` log in and get `policies` for ten minutes.
pub fn jwt_role(env: &TestEnv, mount: &str, role: &str, subject: &str, policies: &str) {
    env.bao_ok(&[
        "write",
        &format!("auth/{mount}/role/{role}"),
        "role_type=jwt",
        "bound_audiences=vault",
        "user_claim=sub",
        &format!("bound_subject={subject}"),
        &format!("token_policies={policies}"),
        "token_ttl=10m",
    ]);
}
