import { createServer, type IncomingMessage, type Server } from 'node:http';

// A stand-in for GitHub's REST API, as much as the PR comment uses: list, create and update
// issue comments. It records every request, and can refuse writes as a fork's read-only token
// would be refused.

export interface FakeComment {
  id: number;
  body: string;
  html_url: string;
}

export interface FakeGitHub {
  url: string;
  comments: FakeComment[];
  requests: { method: string; path: string; authorization: string | undefined }[];
  readOnly: boolean;
  close(): Promise<void>;
}

export async function fakeGitHub(owner: string, repo: string, pull: number): Promise<FakeGitHub> {
  const state: Omit<FakeGitHub, 'url' | 'close'> = { comments: [], requests: [], readOnly: false };
  const base = `/repos/${owner}/${repo}`;
  const server: Server = createServer((request, response) => {
    void body(request).then((text) => {
      const path = (request.url ?? '').split('?')[0];
      state.requests.push({ method: request.method ?? '', path, authorization: request.headers.authorization });
      const send = (status: number, json: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(json));
      };
      if (state.readOnly && request.method !== 'GET')
        return send(403, { message: 'Resource not accessible by integration' });
      if (request.method === 'GET' && path === `${base}/issues/${pull}/comments`) return send(200, state.comments);
      if (request.method === 'POST' && path === `${base}/issues/${pull}/comments`) {
        const comment = {
          id: 1000 + state.comments.length,
          body: (JSON.parse(text) as { body: string }).body,
          html_url: `https://github.com/${owner}/${repo}/pull/${pull}#issuecomment-${1000 + state.comments.length}`,
        };
        state.comments.push(comment);
        return send(201, comment);
      }
      const update = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(path);
      if (request.method === 'PATCH' && update) {
        const comment = state.comments.find((candidate) => candidate.id === Number(update[1]));
        if (!comment) return send(404, { message: 'Not Found' });
        comment.body = (JSON.parse(text) as { body: string }).body;
        return send(200, comment);
      }
      return send(404, { message: `no route for ${request.method} ${path}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const extra = {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return Object.assign<typeof state, typeof extra>(state, extra);
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => resolve(text));
  });
}

/** A pull_request event payload as the runner writes it to GITHUB_EVENT_PATH. */
export function pullRequestEvent(owner: string, repo: string, number: number): { name: string; payload: unknown } {
  return {
    name: 'pull_request',
    payload: {
      action: 'synchronize',
      number,
      pull_request: {
        number,
        head: { ref: 'feature', sha: 'a'.repeat(40) },
        base: { ref: 'main', sha: 'b'.repeat(40) },
      },
      repository: { name: repo, owner: { login: owner }, full_name: `${owner}/${repo}` },
    },
  };
}
