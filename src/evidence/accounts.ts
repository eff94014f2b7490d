// /etc/passwd and /etc/group as the image ships them: how a USER name or number becomes the
// UID/GID the kernel will use. Docker resolves USER the same way, from the image's own files.

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
}

export function parsePasswd(text: string): Account[] {
  const accounts: Account[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const [name, , uid, gid, , home, shell] = line.split(':');
    if (!name || uid === undefined || gid === undefined || !/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    accounts.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? '', shell: shell ?? '' });
  }
  return accounts;
}

export function parseGroup(text: string): Group[] {
  const groups: Group[] = [];
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (!name || gid === undefined || !/^\d+$/.test(gid)) continue;
    groups.push({ name, gid: Number(gid) });
  }
  return groups;
}

export interface ResolvedUser {
  /** The USER value as configured ('' when unset). */
  configured: string;
  uid: number | null;
  gid: number | null;
  /** The account name when the UID has one. */
  name: string | null;
  /** Why the UID or GID could not be resolved: Docker would refuse to start the container. */
  problem: string | null;
}

/**
 * Resolves a USER value the way the engine does: '' is root; `name` or `uid`, optionally with
 * `:group` or `:gid`; names looked up in the image's own files. A number needs no entry (Docker
 * runs an unknown UID with GID 0 where no entry gives one).
 */
export function resolveUser(configured: string, accounts: Account[], groups: Group[]): ResolvedUser {
  const value = configured.trim();
  const result: ResolvedUser = { configured, uid: null, gid: null, name: null, problem: null };
  if (value === '') {
    result.uid = 0;
    result.gid = 0;
    result.name = accounts.find((account) => account.uid === 0)?.name ?? 'root';
    return result;
  }
  const [userPart = '', groupPart] = value.split(':');
  if (/^\d+$/.test(userPart)) {
    result.uid = Number(userPart);
    const account = accounts.find((candidate) => candidate.uid === result.uid);
    result.name = account?.name ?? null;
    result.gid = account?.gid ?? 0;
  } else {
    const account = accounts.find((candidate) => candidate.name === userPart);
    if (!account) {
      result.problem = `user '${userPart}' is not in the image's /etc/passwd: the container will not start`;
      return result;
    }
    result.uid = account.uid;
    result.gid = account.gid;
    result.name = account.name;
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) result.gid = Number(groupPart);
    else {
      const group = groups.find((candidate) => candidate.name === groupPart);
      if (!group) {
        result.problem = `group '${groupPart}' is not in the image's /etc/group: the container will not start`;
        return result;
      }
      result.gid = group.gid;
    }
  }
  return result;
}
