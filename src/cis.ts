// The CIS Docker Benchmark v1.6.0 recommendations an image gate meets: section 4 (images and
// build files) and section 5 (container runtime), numbered as the benchmark and docker-bench-security
// number them. Checks name the recommendations they prove (`cis` in the check registry); the ones
// no check can prove say why, so the coverage table never passes off "not looked at" as "met".

export const CIS_BENCHMARK = 'CIS Docker Benchmark v1.6.0';

export type CisSection = 'image' | 'runtime';

export interface CisRecommendation {
  id: string;
  section: CisSection;
  title: string;
  /** How far the checks that name it go, when they prove part of it only. */
  extent?: string;
  /** Why no check of an image gate can prove it (a host, daemon or operations matter). */
  outside?: string;
}

const HOST = 'a setting of the host or the daemon, not of the image or its compose file';

export const CIS_RECOMMENDATIONS: readonly CisRecommendation[] = [
  { id: '4.1', section: 'image', title: 'A user for the container has been created' },
  {
    id: '4.2',
    section: 'image',
    title: 'Containers use only trusted base images',
    outside: 'which registries and publishers are trusted is your policy; pinned bases are HARD-DOCKERFILE-002',
  },
  {
    id: '4.3',
    section: 'image',
    title: 'Unnecessary packages are not installed',
    extent: 'build tools and recommended packages only',
  },
  {
    id: '4.4',
    section: 'image',
    title: 'Images are scanned and rebuilt to include security patches',
    extent: 'from the scanner report given as vulnerability-report',
  },
  { id: '4.5', section: 'image', title: 'Content trust for Docker is enabled', outside: HOST },
  { id: '4.6', section: 'image', title: 'HEALTHCHECK instructions have been added to container images' },
  { id: '4.7', section: 'image', title: 'Update instructions are not used alone in the Dockerfile' },
  { id: '4.8', section: 'image', title: 'setuid and setgid permissions are removed' },
  { id: '4.9', section: 'image', title: 'COPY is used instead of ADD in Dockerfiles' },
  { id: '4.10', section: 'image', title: 'Secrets are not stored in Dockerfiles' },
  {
    id: '4.11',
    section: 'image',
    title: 'Only verified packages are installed',
    extent:
      'software fetched outside a package manager (ADD of a URL, curl or wget in RUN); package managers verify their own signatures',
  },
  {
    id: '4.12',
    section: 'image',
    title: 'All signed artifacts are validated',
    outside: 'signing is a matter of the registry and the release process',
  },
  { id: '5.1', section: 'runtime', title: 'Swarm mode is not enabled, if not needed', outside: HOST },
  {
    id: '5.2',
    section: 'runtime',
    title: 'An AppArmor profile is enabled, if applicable',
    extent: 'the compose file does not disable it; the profile itself is the host’s',
  },
  {
    id: '5.3',
    section: 'runtime',
    title: 'SELinux security options are set, if applicable',
    extent:
      'the compose file does not disable SELinux separation (label=disable); the labels themselves are the host’s',
  },
  { id: '5.4', section: 'runtime', title: 'Linux kernel capabilities are restricted within containers' },
  { id: '5.5', section: 'runtime', title: 'Privileged containers are not used' },
  { id: '5.6', section: 'runtime', title: 'Sensitive host system directories are not mounted on containers' },
  {
    id: '5.7',
    section: 'runtime',
    title: 'sshd is not run within containers',
    extent: 'the image exposes no SSH port',
  },
  {
    id: '5.8',
    section: 'runtime',
    title: 'Privileged ports are not mapped within containers',
    extent: 'the ports the compose file publishes',
  },
  {
    id: '5.9',
    section: 'runtime',
    title: 'Only needed ports are open on the container',
    outside: 'which ports are needed is a judgement about the application',
  },
  { id: '5.10', section: 'runtime', title: "The host's network namespace is not shared" },
  { id: '5.11', section: 'runtime', title: 'The memory usage for containers is limited' },
  { id: '5.12', section: 'runtime', title: 'CPU priority is set appropriately on containers' },
  { id: '5.13', section: 'runtime', title: "The container's root filesystem is mounted as read only" },
  {
    id: '5.14',
    section: 'runtime',
    title: 'Incoming container traffic is bound to a specific host interface',
    extent: 'databases and caches only',
  },
  {
    id: '5.15',
    section: 'runtime',
    title: "The 'on-failure' container restart policy is set to '5'",
    outside: 'the production profile asks for a restart policy (HARD-COMPOSE-003), not this one',
  },
  { id: '5.16', section: 'runtime', title: "The host's process namespace is not shared" },
  { id: '5.17', section: 'runtime', title: "The host's IPC namespace is not shared" },
  {
    id: '5.18',
    section: 'runtime',
    title: 'Host devices are not directly exposed to containers',
    outside: 'devices are granted by whoever runs the container',
  },
  {
    id: '5.19',
    section: 'runtime',
    title: 'The default ulimit is overwritten at runtime if needed',
    outside: 'a judgement about the application',
  },
  {
    id: '5.20',
    section: 'runtime',
    title: 'Mount propagation mode is not set to shared',
    outside: 'not read from compose files yet',
  },
  { id: '5.21', section: 'runtime', title: "The host's UTS namespace is not shared" },
  { id: '5.22', section: 'runtime', title: 'The default seccomp profile is not disabled' },
  {
    id: '5.23',
    section: 'runtime',
    title: 'docker exec commands are not used with the privileged option',
    outside: 'an operator’s command, not a property of the image',
  },
  {
    id: '5.24',
    section: 'runtime',
    title: 'docker exec commands are not used with the user=root option',
    outside: 'an operator’s command, not a property of the image',
  },
  {
    id: '5.25',
    section: 'runtime',
    title: 'cgroup usage is confirmed',
    outside: 'the cgroup parent is chosen by whoever runs the container',
  },
  { id: '5.26', section: 'runtime', title: 'The container is restricted from acquiring additional privileges' },
  { id: '5.27', section: 'runtime', title: 'Container health is checked at runtime' },
  {
    id: '5.28',
    section: 'runtime',
    title: 'Docker commands always make use of the latest version of their image',
    outside: 'a matter of how images are pulled where they run',
  },
  {
    id: '5.29',
    section: 'runtime',
    title: 'The PIDs cgroup limit is used',
    outside: 'not part of the production profile (the throwaway containers themselves run with one)',
  },
  { id: '5.30', section: 'runtime', title: 'Docker’s default bridge "docker0" is not used' },
  { id: '5.31', section: 'runtime', title: "The host's user namespaces are not shared" },
  { id: '5.32', section: 'runtime', title: 'The Docker socket is not mounted inside any containers' },
];

export function cisRecommendation(id: string): CisRecommendation | undefined {
  return CIS_RECOMMENDATIONS.find((recommendation) => recommendation.id === id);
}
