import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { mapLimit } from '../util/concurrency.js';
import { errorMessage } from '../util/errors.js';
import { runProcess } from '../util/process.js';

// Signatures, verified by the cosign CLI (sigstore/cosign-installer puts it on a runner): the
// base images a build starts from, and an image named by reference. cosign reads the registry
// with the login of `docker login`, so no credential passes through here. It runs with a key or
// a keyless identity the user gives; nothing here decides whom to trust.

export type SignatureRole = 'base' | 'image';

/**
 * `verified`: cosign verified a signature by the key or identity given. `unsigned`: the registry
 * holds no signature for it. `not-trusted`: signed, but by no key or identity given (or the
 * signature does not match the image). `unreachable`: cosign could not ask the registry (no such
 * image, no registry, no login): nothing was verified either way. `unnamed`: a base set by a
 * build argument without a value, so no image can be asked for.
 */
export type SignatureOutcome = 'verified' | 'unsigned' | 'not-trusted' | 'unreachable' | 'unnamed';

export interface SignatureRecord {
  role: SignatureRole;
  /** As verified: the resolved FROM reference, or the image input. */
  reference: string;
  /** The Dockerfile line that names it (FROM, COPY --from), for a base image. */
  location: { file: string; line: number } | null;
  outcome: SignatureOutcome;
  /** The manifest digest cosign verified (`sha256:…`); null unless verified. */
  digest: string | null;
  /** cosign's own words when it did not verify. */
  detail: string | null;
}

export interface SignatureEvidence {
  /** What was asked (verify-signature). */
  roles: SignatureRole[];
  /** Whom the signatures must come from, as the report says it: `the key keys/cosign.pub`. */
  signer: string;
  records: SignatureRecord[];
  /**
   * Why a role asked for has nothing to verify: `holds` when there is nothing to sign (a build
   * from no external image); otherwise it cannot be judged here (a build's own image is signed
   * after its push; an image with no Dockerfile has no known bases).
   */
  notApplicable: Partial<Record<SignatureRole, { reason: string; holds: boolean }>>;
  /** Why nothing could be verified (no cosign on the PATH), else null: the roles asked could not be judged. */
  unavailable: string | null;
}

export interface SignatureTrust {
  /** A public key file (relative to the workspace) or a KMS URI (`awskms://…`), as cosign takes it. */
  key: string;
  /** Keyless: the certificate identity (a regular expression) and its OIDC issuer. */
  identity: string;
  issuer: string;
  /** false: signatures made without a transparency log (private infrastructure, a key and --tlog-upload=false). */
  tlog: boolean;
}

export interface SignatureRequest {
  roles: SignatureRole[];
  trust: SignatureTrust;
  workspace: string;
  /**
   * The external images the build starts from (FROM, COPY --from), as written and resolved
   * (build arguments applied; `unresolved` names those without a value), with their lines.
   */
  bases: { raw: string; reference: string; unresolved: string[]; file: string; line: number }[] | null;
  /** The image named by reference (`image:`), or null for a build. */
  image: string | null;
  signal?: AbortSignal;
  /** The cosign to run (tests); default: `cosign` on the PATH. */
  cosign?: string;
}

const COSIGN_MISSING =
  'cosign is not on the PATH: add sigstore/cosign-installer@v3 before this step (or install cosign) to verify signatures';

export async function verifySignatures(request: SignatureRequest): Promise<SignatureEvidence> {
  const { roles, trust } = request;
  const cosign = request.cosign ?? 'cosign';
  const args = trustArgs(trust, request.workspace);
  // Without cosign the roles asked could not be judged (exit 2), said once with how to get it.
  const unavailable = await cosignMissing(cosign, request.signal);
  if (unavailable) return { roles, signer: describeTrust(trust), records: [], notApplicable: {}, unavailable };
  const wanted: Pick<SignatureRecord, 'role' | 'reference' | 'location'>[] = [];
  const unnamed: SignatureRecord[] = [];
  const notApplicable: SignatureEvidence['notApplicable'] = {};
  if (roles.includes('base')) {
    // Every line that names an image is judged; the same image on two lines is asked for once.
    for (const base of request.bases ?? []) {
      const location = { file: base.file, line: base.line };
      if (base.reference === '' || base.unresolved.length > 0)
        unnamed.push({
          role: 'base',
          reference: base.raw,
          location,
          outcome: 'unnamed',
          digest: null,
          detail: `set by a build argument without a value (${base.unresolved.join(', ') || 'empty'})`,
        });
      else wanted.push({ role: 'base', reference: base.reference, location });
    }
    if (!request.bases) notApplicable.base = { reason: 'no Dockerfile: the base images are not known', holds: false };
    else if (request.bases.length === 0)
      notApplicable.base = {
        reason: 'the stages built use no external image (FROM scratch, or their own stages): nothing to verify',
        holds: true,
      };
  }
  if (roles.includes('image')) {
    if (request.image) wanted.push({ role: 'image', reference: request.image, location: null });
    else
      notApplicable.image = {
        reason:
          'a build is signed after it is pushed: verify-signature image checks an image named by reference (image:)',
        holds: false,
      };
  }
  const asked = new Map<string, Promise<Pick<SignatureRecord, 'outcome' | 'digest' | 'detail'>>>();
  const verify = (reference: string): Promise<Pick<SignatureRecord, 'outcome' | 'digest' | 'detail'>> => {
    let pending = asked.get(reference);
    if (!pending) {
      pending = runProcess(cosign, ['verify', ...args, '--output', 'json', reference], {
        ...(request.signal ? { signal: request.signal } : {}),
        env: { ...process.env, COSIGN_YES: 'true' },
      }).then((result) => readVerification(result.code, result.stdout, result.stderr));
      asked.set(reference, pending);
    }
    return pending;
  };
  const verified = await mapLimit(wanted, 4, async (entry): Promise<SignatureRecord> => ({
    ...entry,
    ...(await verify(entry.reference)),
  }));
  const records = [...verified, ...unnamed].sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
  return { roles, signer: describeTrust(trust), records, notApplicable, unavailable: null };
}

async function cosignMissing(cosign: string, signal: AbortSignal | undefined): Promise<string | null> {
  try {
    const version = await runProcess(cosign, ['version'], signal ? { signal } : {});
    return version.code === 0 ? null : `${COSIGN_MISSING} (cosign version: ${cosignError(version.stderr)})`;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? COSIGN_MISSING : errorMessage(error);
  }
}

/** cosign's flags for the trust given (validated by the inputs: a key, or an identity and its issuer). */
export function trustArgs(trust: SignatureTrust, workspace: string): string[] {
  const args: string[] = [];
  if (trust.key) {
    const isUri = /^[a-z][a-z0-9+.-]*:\/\//i.test(trust.key);
    args.push('--key', isUri ? trust.key : resolve(workspace, trust.key));
    if (!isUri && !existsSync(resolve(workspace, trust.key)))
      throw new Error(`signature-key: ${trust.key} does not exist in the workspace`);
  } else {
    args.push('--certificate-identity-regexp', trust.identity, '--certificate-oidc-issuer', trust.issuer);
  }
  if (!trust.tlog) args.push('--insecure-ignore-tlog=true');
  return args;
}

export function describeTrust(trust: SignatureTrust): string {
  const tlog = trust.tlog ? '' : ' (without a transparency log)';
  return trust.key
    ? `the key ${trust.key}${tlog}`
    : `an identity matching ${trust.identity} issued by ${trust.issuer}${tlog}`;
}

/** What `cosign verify` said: its JSON payloads on success, its error line otherwise. */
export function readVerification(
  code: number | null,
  stdout: string,
  stderr: string,
): Pick<SignatureRecord, 'outcome' | 'digest' | 'detail'> {
  if (code === 0) {
    const digest = signedDigest(stdout);
    if (digest) return { outcome: 'verified', digest, detail: null };
    // cosign said yes but named no image signature: nothing is known to be verified.
    return { outcome: 'unreachable', digest: null, detail: 'cosign succeeded but named no verified image signature' };
  }
  const line = cosignErrorLine(stderr);
  const detail = line.slice(0, 300);
  // Exit code 10 is cosign's "no signatures found".
  if (code === 10 || /no signatures found/i.test(line)) return { outcome: 'unsigned', digest: null, detail };
  // What kept cosign from asking (the network, the registry, a login, Sigstore's trust root) can be
  // wrapped in the words of a refusal, and a refusal must be real: read in cosign's error line,
  // without the certificate subjects it quotes (a subject may say anything).
  const said = line.replace(/got subjects.*$/is, '');
  if (INFRASTRUCTURE.test(said)) return { outcome: 'unreachable', digest: null, detail };
  if (NOT_TRUSTED.test(said)) return { outcome: 'not-trusted', digest: null, detail };
  return { outcome: 'unreachable', digest: null, detail };
}

const INFRASTRUCTURE = new RegExp(
  [
    'dial tcp',
    'i/o timeout',
    'no such host',
    'connection (refused|reset)',
    'TLS handshake',
    'x509:',
    '\\btuf\\b',
    'trusted root',
    'MANIFEST_UNKNOWN',
    'NAME_UNKNOWN',
    'image tag not found',
    'UNAUTHORIZED',
    'DENIED',
    'forbidden',
    'too many requests',
    'toomanyrequests',
    'context deadline exceeded',
    'network is unreachable',
    'no route to host',
    'unexpected EOF',
    'status code 5\\d\\d',
    '\\b5\\d\\d (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)',
    'parsing reference',
  ].join('|'),
  'i',
);

// What cosign 3 says (recorded in __tests__/fixtures/cosign) when a signature exists but is not
// by the key or identity given.
const NOT_TRUSTED =
  /failed to verify signature|no matching signatures|no matching attestations|accepted signatures do not match|invalid signature|expected identit(y|ies)|none of the expected identities/i;

/** The image digest of the first signature payload (`critical.type`: a cosign image signature). */
function signedDigest(stdout: string): string | null {
  let payloads: unknown;
  try {
    payloads = JSON.parse(stdout.trim().split('\n')[0] ?? '');
  } catch {
    return null;
  }
  if (!Array.isArray(payloads)) return null;
  for (const payload of payloads as { critical?: { type?: string; image?: { 'docker-manifest-digest'?: string } } }[]) {
    const type = payload.critical?.type ?? '';
    const digest = payload.critical?.image?.['docker-manifest-digest'];
    if (/^(cosign container image signature|https:\/\/sigstore\.dev\/cosign\/sign\/v1)$/.test(type) && digest)
      return digest;
  }
  return null;
}

/** The line cosign explains itself in (`Error: no signatures found`), without its prefix. */
function cosignError(stderr: string): string {
  return cosignErrorLine(stderr).slice(0, 300);
}

function cosignErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('WARNING'));
  const error =
    lines.find((line) => line.startsWith('Error:')) ??
    lines.find((line) => line.startsWith('error during command execution:')) ??
    lines.at(-1) ??
    'cosign failed and said nothing';
  return error.replace(/^(Error|error during command execution):\s*/, '');
}
