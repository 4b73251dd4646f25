// Test certificates made with the real openssl: a CA, a server certificate it signs for 127.0.0.1 and
// localhost (what rustls in Codex and curl check), a second CA that signed nothing of ours, and an expired
// server certificate (Python's `cryptography`, since openssl 3.0 cannot back-date one).
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCerts {
  ca: string;
  otherCa: string;
  cert: string;
  key: string;
  expiredCert: string;
  expiredKey: string;
}

const openssl = (cwd: string, ...args: string[]) => execFileSync('openssl', args, { cwd, stdio: 'pipe' });

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  );
}

export function makeTestCerts(dir: string): TestCerts {
  makeCa(dir, 'proofline-test-ca');
  makeCa(dir, 'other-ca');
  openssl(
    dir,
    ...['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1'],
  );
  writeFileSync(
    join(dir, 'server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' +
      'keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    dir,
    ...[
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'proofline-test-ca.pem',
      '-CAkey',
      'proofline-test-ca.key',
    ],
    ...['-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'],
  );
  execFileSync('python3', ['-c', EXPIRED, dir], { stdio: 'pipe' });
  for (const key of ['server.key', 'expired.key']) chmodSync(join(dir, key), 0o600);
  return {
    ca: join(dir, 'proofline-test-ca.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    expiredCert: join(dir, 'expired.pem'),
    expiredKey: join(dir, 'expired.key'),
  };
}

const EXPIRED = `
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
d = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "expired")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=10)).not_valid_after(now - datetime.timedelta(days=1))
    .sign(key, hashes.SHA256()))
open(d + "/expired.pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(d + "/expired.key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
    serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
`;
