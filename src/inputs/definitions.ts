import {
  boolean,
  keyValueList,
  keyValues,
  lines,
  list,
  number,
  oneOf,
  secretValues,
  text,
  type InputKind,
} from './kinds.js';

// The one vocabulary: every action input is a CLI flag of the same name and a key of the config
// file, with the same default. action.yml, the README's input table and the CLI help are
// generated from this table (npm run docs), so they cannot drift from what the code does.

export interface InputDefinition<T> {
  kind: InputKind<T>;
  /** The default as the user would write it; '' means "none". Parsed by `kind`. */
  default: string;
  description: string;
  group: 'what to check' | 'build' | 'thresholds' | 'expectations' | 'runtime' | 'report';
  /** Extra CLI spellings (`--json FILE` for report-file). */
  aliases?: string[];
  /** CLI: may be given several times; the values are joined as lines. */
  repeatable?: boolean;
  /** Not settable from a config file (where it would be circular or unsafe). */
  notInConfig?: boolean;
  /**
   * Settable for one target in the config file's `targets:` (over the shared value): what to build
   * and how to judge it. Run-wide inputs (mode, reports, parallel…) are not.
   */
  perTarget?: boolean;
  /**
   * A runner expression action.yml gives as `default:` (only for the token: nothing else may
   * override the config file).
   */
  actionDefault?: string;
}

function input<T>(definition: InputDefinition<T>): InputDefinition<T> {
  return definition;
}

export const INPUTS = {
  context: input({
    perTarget: true,
    kind: text,
    default: '.',
    group: 'what to check',
    description: 'Build context directory.',
  }),
  file: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'what to check',
    description: 'Path to the Dockerfile (default: `<context>/Dockerfile`).',
  }),
  target: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'what to check',
    description: 'Build stage to build and check (default: the last stage).',
  }),
  'build-args': input({
    perTarget: true,
    kind: keyValues,
    default: '',
    group: 'what to check',
    aliases: ['build-arg'],
    repeatable: true,
    description: 'Build arguments, one `KEY=VALUE` per line (CLI: `--build-arg KEY=VALUE`, repeatable).',
  }),
  platform: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'what to check',
    description:
      "Target platform of the build (e.g. `linux/amd64`); default: the engine's own. The one-platform form of `platforms`.",
  }),
  platforms: input({
    perTarget: true,
    kind: list,
    default: '',
    group: 'what to check',
    description:
      "Platforms to build and prove, build-push-action's syntax (`linux/amd64,linux/arm64`): each build target is built, run and judged once per platform, as a target of its own named `<target> (<platform>)`. The principal platform (the engine's own if listed, else the first the builder can build) is proven first and stands for the build where one is enough: the cache probe, the compose files, the stack's image, the vulnerability report. A platform the builder cannot build here (no emulator registered) is not proven: its checks are errors, its verdict not judged, never passed. An `image` named by registry reference is proven per platform too: its index is read from the registry (`docker buildx imagetools`, with your `docker login`), and each platform's target is that platform's image, pulled by digest (`<image>@sha256:…`); a platform the index has no image of is not proven, in the same way, and a single-platform image is proven for its own platform only. An image id, an image only on the engine (its registry cannot be read) and static mode prove the image as the engine holds it, for one platform, and the notes say so. One platform is the same as `platform`.",
  }),
  builder: input({
    kind: text,
    default: '',
    group: 'what to check',
    description: 'buildx builder instance to use (default: the current builder).',
  }),
  'no-cache': input({
    perTarget: true,
    kind: boolean,
    default: 'false',
    group: 'what to check',
    description: "Build without the layer cache, so the build time is a clean build's.",
  }),
  // The build inputs of docker/build-push-action, with its names, forms and meaning; each build of
  // a target (the build under test, the rebuild, the cache probe, the baseline) gets them.
  secrets: input({
    kind: secretValues,
    default: '',
    group: 'build',
    notInConfig: true,
    repeatable: true,
    description:
      "Secrets for `RUN --mount=type=secret`, one `id=value` per line (build-push-action's form: `GIT_AUTH_TOKEN=…` from a workflow secret). Each value reaches buildx in a file only this user can read, removed after the build; it is masked in the log and appears in no report. Not settable in the config file. CLI: prefer `--secret-envs` or `--secret-files` (a flag's value is visible to other users of the machine).",
  }),
  'secret-files': input({
    perTarget: true,
    kind: keyValues,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      'Secrets read from files, one `id=path` per line (`NPM_RC=./.npmrc`; relative paths from the workspace), for `RUN --mount=type=secret,id=…`.',
  }),
  'secret-envs': input({
    perTarget: true,
    kind: keyValueList,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      'Secrets read from environment variables, `id=VARIABLE` (`NPM_TOKEN=NPM_TOKEN`), comma- or newline-separated. A variable that is unset or empty is an error: a workflow secret that does not exist expands to nothing.',
  }),
  ssh: input({
    perTarget: true,
    kind: list,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      "SSH agent sockets or keys for `RUN --mount=type=ssh`, as buildx's `--ssh` takes them: `default` (the agent at `SSH_AUTH_SOCK`), `default=path` or `id=path` (a socket or a key file), comma- or newline-separated.",
  }),
  'build-contexts': input({
    perTarget: true,
    kind: keyValues,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      'Additional build contexts for `FROM name` and `COPY --from=name`, one `name=source` per line: a directory (relative to the workspace), `docker-image://REF`, `oci-layout://PATH`, or a Git or HTTPS URL.',
  }),
  'cache-from': input({
    perTarget: true,
    kind: lines,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      "External cache sources, one per line, as buildx's `--cache-from` takes them: `type=registry,ref=REF`, `type=local,src=DIR` (a missing directory is no error: the first run has none), `type=gha` (used inside a GitHub Actions job, where the runner provides the cache service; left out elsewhere, with a note).",
  }),
  'cache-to': input({
    perTarget: true,
    kind: lines,
    default: '',
    group: 'build',
    repeatable: true,
    description:
      "Cache export destinations, one per line, as buildx's `--cache-to` takes them: `type=registry,ref=REF,mode=max`, `type=local,dest=DIR`, `type=gha`. Written by the build under test only: the unchanged rebuild would write the same, and the cache probe's and the baseline's builds are not the image you ship. The docker driver exports cache only with the containerd image store; elsewhere use a docker-container builder (`builder`).",
  }),
  labels: input({
    perTarget: true,
    kind: keyValues,
    default: '',
    group: 'build',
    aliases: ['label'],
    repeatable: true,
    description:
      'Labels added to the image, one `key=value` per line (CLI: `--label key=value`, repeatable); the image carries them, so they count for `required-labels`.',
  }),
  network: input({
    perTarget: true,
    kind: oneOf(['default', 'none', 'host'] as const),
    default: 'default',
    group: 'build',
    description:
      'Network of the `RUN` instructions during the build: `default`, `none` (no network at all), or `host` (a docker-container builder must allow the `network.host` entitlement).',
  }),
  'add-hosts': input({
    perTarget: true,
    kind: list,
    default: '',
    group: 'build',
    aliases: ['add-host'],
    repeatable: true,
    description:
      'Extra `/etc/hosts` entries for the `RUN` instructions, `host:ip` or `host=ip` (`ip` may be `host-gateway`), comma- or newline-separated.',
  }),
  pull: input({
    perTarget: true,
    kind: boolean,
    default: 'false',
    group: 'build',
    description:
      'Always fetch the base images from their registry, even when the engine has them. An image that exists only on this engine (built or loaded here) cannot be fetched: the run then stops with exit 2 and says so.',
  }),
  'image-annotations': input({
    perTarget: true,
    kind: lines,
    default: '',
    group: 'build',
    aliases: ['image-annotation'],
    repeatable: true,
    description:
      "OCI annotations added to the built image, one per line, as build-push-action's `annotations` takes them (buildx's `--annotation`): `key=value` on the image's manifest, or `index:key=value` (an image with provenance or an SBOM is an index; buildx refuses index annotations without one), `manifest:key=value`, `manifest[linux/amd64]:key=value`, several at once `index,manifest:key=value` (CLI: `--image-annotation`, repeatable). `push` sends them with the image. The containerd image store only: the classic store keeps no manifest, so there the build runs without them and the run says so.",
  }),
  provenance: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'build',
    description:
      "SLSA provenance attached to the built image, as build-push-action takes it (buildx's `--provenance`): `true`, `false`, `mode=min` or `mode=max` (max records every build step), with buildx's other fields (`builder-id=…`). Empty: buildx's default. The image holds it only on the containerd image store (pushed with it by `push`); on the classic store the build runs without it and the run says so (check-attestations: HARD-SUPPLY-003 fails with that reason). With check-attestations, the build's own attestations are read before anything is pushed.",
  }),
  sbom: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'build',
    description:
      "An SBOM attached to the built image, as build-push-action takes it (buildx's `--sbom`): `true` (BuildKit's generator, docker/buildkit-syft-scanner), `false`, or `generator=IMAGE` (any image that speaks BuildKit's SBOM generator protocol). A generator image the builder cannot pull stops the run (exit 2) and says so; where check-attestations reads the build's own output (the engine's own builder on the containerd store), the image is built and proven without an SBOM instead, and HARD-SUPPLY-004 says it was not produced and why. The containerd image store only, as provenance.",
  }),
  push: input({
    kind: boolean,
    default: 'false',
    group: 'build',
    description:
      'Push the image this run proved — that image, not a rebuild — as `tags`, only when the verdict passes `fail-on`; nothing is pushed when it fails, when the run is cancelled, or (the action) for a pull request from a fork. One target only; not with `fail-on: never`. Log in first (`docker/login-action`); sets the outputs `digest` and `metadata`. A push the registry refuses fails the run (exit 2).',
  }),
  tags: input({
    kind: list,
    default: '',
    group: 'build',
    repeatable: true,
    aliases: ['tag'],
    description:
      'Where `push` sends the proven image: references such as `ghcr.io/org/app:1.4`, comma- or newline-separated (as docker/build-push-action takes them).',
  }),
  image: input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'what to check',
    description:
      'Check this already built image instead of building one (a local reference or id, or a registry reference, pulled when not on the engine). The Dockerfile is still read when present. With several `platforms`, a registry reference is proven once per platform its index holds.',
  }),
  targets: input({
    kind: lines,
    default: '',
    group: 'what to check',
    repeatable: true,
    description:
      "Several targets proven in one run, one per line: a build context directory (`services/api`) or a Dockerfile (`services/api/Dockerfile.prod`), with `#stage` for the stage to build, or `image:REF` for a built image; `name=` in front names it (`api=services/api#runtime`). The configuration file's `targets:` also takes build args and thresholds per target. Default: `context` (with `file`, `target`, `build-args`, `image`) and every service of its compose files that builds an image.",
  }),
  discover: input({
    kind: boolean,
    default: 'false',
    group: 'what to check',
    description:
      'Also prove every Dockerfile under the context directory (`Dockerfile`, `Dockerfile.*`, `Dockerfile-*`, `*.Dockerfile`, `Containerfile`); what .gitignore or a .dockerignore excludes is skipped. Each is built with the context a compose file of the repository gives it, else from the nearest directory its COPY sources are under, else from its own directory — said to be a guess, so the findings about that context are notices.',
  }),
  'check-service-images': input({
    kind: boolean,
    default: 'false',
    group: 'what to check',
    description:
      "Also prove the compose services that only name an image (postgres, redis, a proxy…), as images: the engine's copy, or pulled now when its registry answers (120 s at most). One that cannot be had is named in the summary's notes with why; without this input, each is named there as not proven.",
  }),
  mode: input({
    kind: oneOf(['full', 'static', 'merge'] as const),
    default: 'full',
    group: 'what to check',
    description:
      '`full` builds, inspects and runs the image; `static` only reads the Dockerfile, .dockerignore and compose files (CLI: `--static-only`); `merge` proves nothing itself and combines the JSON reports of matrix jobs (`reports`) into one verdict (CLI: `cs-docker-hardening merge REPORT…`).',
  }),
  reports: input({
    kind: lines,
    default: '',
    group: 'what to check',
    notInConfig: true,
    repeatable: true,
    description:
      'With `mode: merge`: the JSON reports to combine, one file or glob per line (`reports/*.json`), each the `report-file` of a matrix job.',
  }),
  'compose-files': input({
    kind: list,
    default: '',
    group: 'what to check',
    aliases: ['compose'],
    repeatable: true,
    description:
      'Compose files to check (CLI: `--compose FILE`, repeatable). Default: compose.yaml, compose.yml, docker-compose.yaml and docker-compose.yml found in the context directory.',
  }),
  'compose-env-file': input({
    kind: list,
    default: '',
    group: 'what to check',
    repeatable: true,
    description:
      "Env files for the compose project's variables, read instead of its `.env` as `docker compose --env-file` reads them (later files win; also given to compose-up). For a project whose `.env` is made at deploy time: give a file with the values CI should use.",
  }),
  'compose-env-example': input({
    kind: boolean,
    default: 'false',
    group: 'what to check',
    description:
      "Where an env file the compose project needs is missing from the checkout (its `.env`, a service's `env_file`), read the committed example beside it (`.env.example`, `.env.sample`, `env.example`, `NAME.example`…) instead, and say so. Off: compose would refuse the project, and so does the check (exit 2, with compose's words). The example's values are never reported as committed secrets.",
  }),
  'compose-up': input({
    kind: boolean,
    default: 'false',
    group: 'what to check',
    description:
      "Also bring the compose stack up (`docker compose up --wait`), require every service to become healthy, report each one's time to healthy and the real start order, compare what each running container has in force (limits, cgroups, read-only, capabilities, no-new-privileges, user, logging) with what the files set, run the smoke tests (smoke-test), scan every container's log for crashes, then take it down with its volumes. `runtime-env` fills the compose file's variables.",
  }),
  'compose-up-timeout-seconds': input({
    kind: number({ unit: 'seconds' }),
    default: '300',
    group: 'runtime',
    description: 'How long the compose stack may take to become healthy.',
  }),
  'smoke-test': input({
    kind: lines,
    default: '',
    group: 'what to check',
    repeatable: true,
    description:
      'With compose-up: commands run against the stack once it is healthy, one per line (CLI: `--smoke-test CMD`, repeatable), each in a helper container (helper-image) on every network of the stack, so services are reached by name (`wget -qO- http://app:8080/health`). Each must exit 0 within 60 s (HARD-COMPOSE-018). Run with `sh -c`; secrets in the command and its output are masked.',
  }),
  'network-isolation': input({
    kind: boolean,
    default: 'true',
    group: 'what to check',
    description:
      "With compose-up, once the stack is healthy: read each running service's routing table and listening sockets from inside its network namespace (a helper of helper-image joins it and sends nothing) and require no default route for every service whose networks are all internal, and for each one named in isolated-services (HARD-COMPOSE-021); the ports each service publishes on all host interfaces are listed with whether anything listens behind them.",
  }),
  'isolated-services': input({
    kind: list,
    default: '',
    group: 'what to check',
    description:
      'Services of the compose stack that must have no way out of their network namespace, beside those whose networks are all `internal: true` (network-isolation proves it from inside).',
  }),
  'dependency-outage': input({
    kind: boolean,
    default: 'true',
    group: 'what to check',
    description:
      "With compose-up, once the stack is healthy: stop each dependency a service with a health check declares (depends_on) or points its environment at (`…@postgres:5432`, `DB_HOST=postgres`), watch that service's own probe (run as Docker runs it, every 0.5 s) notice, start the dependency again and watch the probe pass again without the service being restarted (HARD-COMPOSE-020). One dependency at a time, its dependents watched together; each probe given its interval × retries + timeout. False: the stack is not disturbed.",
  }),
  'crash-recovery': input({
    kind: boolean,
    default: 'true',
    group: 'what to check',
    description:
      "With compose-up, once the stack is healthy: kill each running service's main process (SIGKILL to its PID 1, sent from outside as a crash would come, not through the engine, which would count it as a stop), one service at a time, and measure whether the engine restarts it and how soon its health check passes again, run as Docker runs it (HARD-COMPOSE-019). A service its policy leaves down is started again before the next. False: the stack is not disturbed.",
  }),
  'helper-image': input({
    kind: text,
    default: 'busybox:1.37',
    group: 'runtime',
    description:
      "The image of the helper containers compose-up runs beside the stack: the smoke tests run in it (it needs `sh` and the tools they call: busybox has wget and nc), and crash-recovery's kill is sent from it (it needs `kill`). Pulled when the engine does not have it.",
  }),
  config: input({
    kind: text,
    default: '.github/container-hardening.yml',
    group: 'what to check',
    notInConfig: true,
    description:
      'Configuration file with thresholds, expectations and ignores. Read when present; a `.container-hardening.yml` in the context directory is read after it. Inputs override both.',
  }),
  'max-image-size-mb': input({
    perTarget: true,
    kind: number({ unit: 'megabytes' }),
    default: '500',
    group: 'thresholds',
    description:
      "Largest acceptable image size unpacked — the bytes of its layers' files, what it occupies when run — in MB (10^6 bytes). Measured the same way on the overlay2 and the containerd image store.",
  }),
  'max-compressed-size-mb': input({
    perTarget: true,
    kind: number({ unit: 'megabytes' }),
    default: '',
    group: 'thresholds',
    description:
      'Largest acceptable compressed size (what a pull transfers), in MB. Empty: reported where the image store keeps layers compressed (containerd), not judged. Set, it is judged on every store (on overlay2 the layers are gzip-compressed to measure it, ~2 s per 100 MB).',
  }),
  'max-layers': input({
    perTarget: true,
    kind: number({ integer: true, unit: 'layers' }),
    default: '20',
    group: 'thresholds',
    description: 'Most filesystem layers the image may have.',
  }),
  'max-build-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '300',
    group: 'thresholds',
    description: 'Longest acceptable clean build, in seconds.',
  }),
  'max-context-mb': input({
    perTarget: true,
    kind: number({ unit: 'megabytes' }),
    default: '100',
    group: 'thresholds',
    description: 'Largest acceptable build context (after .dockerignore), in MB.',
  }),
  'max-cached-build-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '30',
    group: 'thresholds',
    description: 'Longest acceptable rebuild with nothing changed (all steps from the cache), in seconds.',
  }),
  'max-startup-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '5',
    group: 'thresholds',
    description:
      'Longest acceptable time from container start until the health probe first passes (or, without HEALTHCHECK, the exposed port accepts connections).',
  }),
  'max-idle-memory-mb': input({
    perTarget: true,
    kind: number({ unit: 'megabytes' }),
    default: '512',
    group: 'thresholds',
    description: 'Largest acceptable memory use of the idle container, in MB (as `docker stats` counts it).',
  }),
  'max-idle-cpu': input({
    perTarget: true,
    kind: number({ unit: 'CPUs' }),
    default: '0.5',
    group: 'thresholds',
    description: 'Largest acceptable CPU use of the idle container, in CPUs (1.0 = one core busy).',
  }),
  'max-stop-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '5',
    group: 'thresholds',
    description: 'Longest acceptable `docker stop`; a container still running then is killed (exit 137) and fails.',
  }),
  'expected-user': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      "User name the image must run as (the production profile's example: `csops`). Empty: any non-root user.",
  }),
  'expected-uid': input({
    perTarget: true,
    kind: number({ integer: true, unit: 'a UID' }),
    default: '',
    group: 'expectations',
    description: "UID the image must run as (the production profile's example: `1000`). Empty: any non-zero UID.",
  }),
  'verify-signature': input({
    perTarget: true,
    kind: list,
    default: '',
    group: 'expectations',
    description:
      'Verify cosign signatures (HARD-SUPPLY-001, HARD-SUPPLY-002): `base` — every external image the build starts from or copies from; `image` — an image named by reference (`image:`); or both, comma-separated. Signed by `signature-key`, or keyless by `signature-identity` from `signature-issuer`. Needs the cosign CLI on the PATH (`sigstore/cosign-installer`); without it the checks could not run (exit 2). cosign reads the registry with the login of `docker login`.',
  }),
  'signature-key': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      'The public key signatures must verify with (`verify-signature`): a file in the workspace (`cosign.pub`) or a KMS URI as cosign takes it (`awskms://…`, `gcpkms://…`, `hashivault://…`).',
  }),
  'signature-identity': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      "Keyless signatures (`verify-signature`): a regular expression the signing certificate's identity must match, e.g. `^https://github.com/org/base-images/.github/workflows/release.yml@refs/tags/`. With `signature-issuer`.",
  }),
  'signature-issuer': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      'Keyless signatures: the OIDC issuer of the signing certificate, e.g. `https://token.actions.githubusercontent.com` (GitHub Actions).',
  }),
  'signature-tlog': input({
    perTarget: true,
    kind: boolean,
    default: 'true',
    group: 'expectations',
    description:
      "Require each signature's entry in the transparency log (Rekor), as cosign does by default. `false` only for signatures made without one (a private key signed with no transparency log).",
  }),
  'check-attestations': input({
    perTarget: true,
    kind: boolean,
    default: 'false',
    group: 'expectations',
    description:
      "Read the image's attestations and judge them (HARD-SUPPLY-003…006): SLSA provenance attached (and its mode), an SBOM attached (its format), the provenance's source repository (`expected-source`), and each base image pinned by digest in the Dockerfile and recorded in the provenance. For an image named by reference (`image:`, a release checked again before it is deployed), read from its registry with `docker buildx imagetools` and the login of `docker login`; for an image this run builds, read from the build's own output before anything is pushed (the engine's own builder on the containerd image store; the classic store holds none and the checks fail saying so; another builder's output is not read, and the checks end in an error saying so).",
  }),
  'expected-source': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      "The repository the image's provenance must name as its source (`https://github.com/org/app`; HARD-SUPPLY-005, with `check-attestations`). Default: the repository of the GitHub Actions run (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`); outside one, not judged unless given.",
  }),
  'expected-revision': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'expectations',
    description:
      "The commit the image's provenance must record beside its source (`${{ github.sha }}` for an image built by this commit's workflow, or its first 7 or more hex digits; HARD-SUPPLY-005, with `check-attestations` and an expected source). Empty: the commit is reported, not judged — a release checked again later was built from an earlier commit.",
  }),
  'vulnerability-report': input({
    perTarget: true,
    kind: lines,
    default: '',
    group: 'what to check',
    description:
      "The scanner's report on the image: Trivy JSON (`trivy image --format json`), Grype JSON (`grype -o json`) or SARIF from either; the `vulnerabilities` checks count what it found. With several targets, one line each, `name=path` (`api=trivy-api.json`).",
  }),
  'baseline-vulnerability-report': input({
    perTarget: true,
    kind: lines,
    default: '',
    group: 'what to check',
    description:
      "The scanner's report on the baseline image (the PR's base), same forms: the thresholds then count only what this change adds, and the summary lists the vulnerabilities it adds and fixes.",
  }),
  'max-critical': input({
    perTarget: true,
    kind: number({ integer: true, unit: 'vulnerabilities' }),
    default: '0',
    group: 'thresholds',
    description:
      'Most critical vulnerabilities allowed (HARD-VULNERABILITIES-001, an error); with a baseline report, the most this change may add.',
  }),
  'max-high': input({
    perTarget: true,
    kind: number({ integer: true, unit: 'vulnerabilities' }),
    default: '0',
    group: 'thresholds',
    description:
      'Most high vulnerabilities allowed (HARD-VULNERABILITIES-002, a warning); with a baseline report, the most this change may add.',
  }),
  'only-fixable': input({
    perTarget: true,
    kind: boolean,
    default: 'true',
    group: 'thresholds',
    description:
      'Count only vulnerabilities with a fix available (the ones a rebuild or an upgrade removes); where the report does not say, a vulnerability counts.',
  }),
  profile: input({
    perTarget: true,
    kind: oneOf(['production', 'hardened-image'] as const),
    default: 'production',
    group: 'expectations',
    description:
      "Which defaults the checks take. `production`: the production checklist's. `hardened-image`: what hardened images (Docker Hardened Images, SLSA, admission policies) promise besides — no shell and no package manager in the runtime image (`shell-and-package-manager: error`), a numeric USER (`numeric-user: error`), provenance and an SBOM attached as errors (`check-attestations: true`), each base pinned by digest and recorded in the provenance, and the bases' signatures verified (`verify-signature: base`, so `signature-key` or `signature-identity` with `signature-issuer` must be given). An input or config key set explicitly wins over the profile. docs/checks.md sets the two side by side.",
  }),
  'shell-and-package-manager': input({
    perTarget: true,
    kind: oneOf(['off', 'notice', 'warning', 'error'] as const),
    default: 'off',
    group: 'expectations',
    description:
      'How a shell (sh, bash, busybox…) or an OS package manager (apt, dpkg, apk, dnf, rpm…) in the runtime image is reported (HARD-TOOLS-005). `off` in the production profile, where a shell is usual; `error` in the hardened-image profile.',
  }),
  'numeric-user': input({
    perTarget: true,
    kind: oneOf(['notice', 'warning', 'error', 'off'] as const),
    default: 'notice',
    group: 'expectations',
    description:
      "How a USER given as a name is reported (HARD-USER-005): Kubernetes' `runAsNonRoot: true` refuses an image whose user is not numeric. `error` for clusters that enforce it, `off` to not ask.",
  }),
  'forbidden-tools': input({
    perTarget: true,
    kind: list,
    default: 'gcc,g++,cc,c++,cpp,clang,clang++,make,cmake,ninja,ld,as,gfortran,rustc,cargo,go,javac,gdb,strace',
    group: 'expectations',
    description:
      "Build and debug tools that must not be on the runtime image's PATH (versioned and target-prefixed names like `gcc-12`, `x86_64-linux-gnu-gcc` count).",
  }),
  'dev-tools': input({
    perTarget: true,
    kind: list,
    default:
      'nodemon,ts-node-dev,node-dev,webpack-dev-server,vite,jest,mocha,vitest,pytest,debugpy,ipdb,dlv,air,gdbserver',
    group: 'expectations',
    description:
      "Development servers, watchers, test runners and debuggers that must not ship (HARD-TOOLS-003/004): found on the image's PATH, in node_modules/.bin, in a virtualenv's bin, or as a Python package; versioned names like `pytest-3` count.",
  }),
  'required-labels': input({
    perTarget: true,
    kind: list,
    default: 'maintainer,version,security.non-root',
    group: 'expectations',
    description:
      'Labels the image must carry, each with a value. The OCI annotation keys count for the labels they mean: org.opencontainers.image.authors for maintainer, org.opencontainers.image.version for version.',
  }),
  'writable-dirs': input({
    perTarget: true,
    kind: list,
    default: 'logs,data,credentials,config',
    group: 'expectations',
    description:
      'Directories the runtime user may write (relative ones are under the WORKDIR); /tmp and /var/tmp always may. Also the tmpfs mounts of the hardened run.',
  }),
  'runtime-network': input({
    perTarget: true,
    kind: text,
    default: 'none',
    group: 'runtime',
    description:
      'Network of the throwaway containers: `none` (default; a port probe gets an internal network with no route out), `bridge`, or a network name.',
  }),
  'runtime-env': input({
    perTarget: true,
    kind: keyValues,
    default: '',
    group: 'runtime',
    repeatable: true,
    description:
      "Environment variables for the app under test (and for the compose file's variables with compose-up), one `KEY=VALUE` per line (CLI: `--runtime-env KEY=VALUE`, repeatable). Values of secret-looking names are masked in the log.",
  }),
  parallel: input({
    kind: number({ integer: true, min: 1, unit: 'targets' }),
    default: '',
    group: 'runtime',
    description:
      "How many targets are built and proven at once. Default: the number of CPUs, or 1 when a platform of the run is emulated here (its emulator's load would be measured as the others'). Targets proven side by side share the machine: their startup and idle figures are measured under each other's load (use 1 for the quietest figures).",
  }),
  'runtime-memory-mb': input({
    perTarget: true,
    kind: number({ unit: 'megabytes' }),
    default: '2048',
    group: 'runtime',
    description: 'Memory limit of each throwaway container, in MB.',
  }),
  'runtime-cpus': input({
    perTarget: true,
    kind: number({ unit: 'CPUs' }),
    default: '2',
    group: 'runtime',
    description: 'CPU limit of each throwaway container.',
  }),
  'ready-timeout-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '30',
    group: 'runtime',
    description: 'How long to wait for the service to become ready before reporting that it never did.',
  }),
  'idle-seconds': input({
    perTarget: true,
    kind: number({ unit: 'seconds' }),
    default: '2',
    group: 'runtime',
    description: 'Length of the window in which idle memory and CPU are sampled, after the service is ready.',
  }),
  'runtime-in-stack': input({
    perTarget: true,
    kind: boolean,
    default: 'true',
    group: 'runtime',
    description:
      "When the image is a service of a compose file in the run, prove it in its stack: its dependencies (depends_on, transitively) brought up and healthy first with their compose configuration, then the image's containers measured on the stack's networks under the service's name, with its compose environment (runtime-env over it); all taken down after. `false`: run the image alone.",
  }),
  'hardened-run': input({
    perTarget: true,
    kind: boolean,
    default: 'true',
    group: 'runtime',
    description:
      'Also start the image read-only, with all capabilities dropped and no-new-privileges, and check it still becomes ready (costs one more container, run concurrently).',
  }),
  'cache-probe': input({
    perTarget: true,
    kind: boolean,
    default: 'true',
    group: 'runtime',
    description:
      'Rebuild after changing one application source file (in a copy of the context, never your files) and report which steps re-ran; costs one more build.',
  }),
  'baseline-image': input({
    perTarget: true,
    kind: text,
    default: '',
    group: 'report',
    description:
      'An image (local or pullable) to compare with: fills the Before column of the summary and the deltas ("−362.5 MB", "fixed", "new: runs as root").',
  }),
  'baseline-ref': input({
    kind: text,
    default: '',
    group: 'report',
    description:
      "A git ref whose Dockerfile is built (from a worktree, your checkout untouched) to compare with, e.g. the PR's base `origin/main`. Needs that history: `actions/checkout` with `fetch-depth: 0`.",
  }),
  'fail-on': input({
    kind: oneOf(['error', 'warning', 'never'] as const),
    default: 'error',
    group: 'report',
    description: 'Lowest severity of a failed check that fails the step (exit 1): `error`, `warning`, or `never`.',
  }),
  'report-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['json'],
    notInConfig: true,
    description:
      "Write the JSON report here (action default: `cs-docker-hardening-report.json` in the runner's temp directory).",
  }),
  'sarif-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['sarif'],
    notInConfig: true,
    description: 'Also write SARIF 2.1.0 here, for code scanning (`github/codeql-action/upload-sarif`).',
  }),
  'markdown-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['markdown'],
    notInConfig: true,
    description: "Also write the job summary's Markdown here (CLI and action).",
  }),
  'junit-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['junit'],
    notInConfig: true,
    description:
      "Also write JUnit XML here (GitLab's `artifacts:reports:junit`, Jenkins' junit step): a test suite per target, a test case per check; a test case fails exactly when the verdict counts it.",
  }),
  'codequality-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['codequality'],
    notInConfig: true,
    description:
      'Also write a GitLab Code Quality report here (`artifacts:reports:codequality`): an issue per finding, with its file, line and a fingerprint GitLab tracks across pipelines.',
  }),
  'attestation-file': input({
    kind: text,
    default: '',
    group: 'report',
    aliases: ['attestation'],
    notInConfig: true,
    description:
      "Also write the verdict as an in-toto Statement (v1) here — subject: the image's registry digest (the pushed one with `push: true`), predicate type `https://github.com/org/cs-docker-hardening/attestation/hardening/v1` (docs/attestation.md) — and its predicate alone beside it (`….predicate.json`), for `actions/attest` (`predicate-type`, `predicate-path`) or `cosign attest --type … --predicate …`. One target only. An image in no registry gets the predicate only. Sets the outputs `attestation-predicate-type`, `attestation-predicate` and `attestation-statement`.",
  }),
  comment: input({
    kind: boolean,
    default: 'false',
    group: 'report',
    description:
      "Keep one comment on the pull request (updated in place on each run) with the verdict, the security summary, the performance tables and a link to the run. Needs `pull-requests: write`; on a fork's PR it falls back to the summary with a notice.",
  }),
  'github-token': input({
    kind: text,
    default: '',
    group: 'report',
    notInConfig: true,
    actionDefault: '${{ github.token }}',
    description: "Token for the PR comment (default: the workflow's token).",
  }),
  annotations: input({
    kind: boolean,
    default: 'true',
    group: 'report',
    description:
      'Annotate failed checks on their lines (action only): most severe first, at most 10 errors and 10 warnings, and a notice for the rest.',
  }),
  summary: input({
    kind: boolean,
    default: 'true',
    group: 'report',
    description: 'Write the job summary (action only).',
  }),
} as const;

export type InputName = keyof typeof INPUTS;

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
type ValueOf<D> = D extends InputDefinition<infer T> ? T : never;
type NumberOrUnset<N extends InputName, T> = (typeof INPUTS)[N]['default'] extends ''
  ? T extends number
    ? number | null
    : T
  : T;

/** The validated settings of one run, camelCased; a number input without default is null when unset. */
export type Settings = { -readonly [N in InputName as Camel<N>]: NumberOrUnset<N, ValueOf<(typeof INPUTS)[N]>> };

export function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

export const INPUT_NAMES = Object.keys(INPUTS) as InputName[];
