import { parseGroup, parsePasswd, resolveUser } from '../../src/evidence/accounts.js';

const passwd = parsePasswd(
  [
    'root:x:0:0:root:/root:/bin/bash',
    'toor:x:0:0:root under another name:/root:/bin/sh',
    'csops:x:1000:1000::/home/csops:/usr/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
    '# comment',
    'broken-line',
  ].join('\n'),
);
const groups = parseGroup('root:x:0:\ncsops:x:1000:\nstaff:x:50:\n');

describe('resolveUser', () => {
  it.each([
    ['', 0, 0],
    ['root', 0, 0],
    ['0', 0, 0],
    ['0:0', 0, 0],
    ['root:root', 0, 0],
    ['toor', 0, 0],
    ['csops:root', 1000, 0],
  ])('USER %j resolves to UID %d GID %d', (configured, uid, gid) => {
    const user = resolveUser(configured, passwd, groups);
    expect([user.uid, user.gid, user.problem]).toEqual([uid, gid, null]);
  });

  it('resolves names, numbers and groups from the image files', () => {
    expect(resolveUser('csops', passwd, groups)).toMatchObject({ uid: 1000, gid: 1000, name: 'csops' });
    expect(resolveUser('1000:staff', passwd, groups)).toMatchObject({ uid: 1000, gid: 50, name: 'csops' });
    // A numeric UID with no entry runs with GID 0, as Docker does.
    expect(resolveUser('4242', passwd, groups)).toMatchObject({ uid: 4242, gid: 0, name: null, problem: null });
  });

  it('reports a name Docker could not resolve', () => {
    expect(resolveUser('app', passwd, groups).problem).toBe(
      "user 'app' is not in the image's /etc/passwd: the container will not start",
    );
    expect(resolveUser('csops:wheel', passwd, groups).problem).toBe(
      "group 'wheel' is not in the image's /etc/group: the container will not start",
    );
  });
});
