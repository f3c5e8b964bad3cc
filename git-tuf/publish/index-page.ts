/** The `index.html` of a published repository: roles, versions, signers, thresholds, expiry. Pure. */
import { authoritiesFor, roleOrder } from '../repo/check-repository.js';
import { roleMetadata, type RepositoryState } from '../repo/state.js';
import { formatExpires } from '../tuf/expires.js';

const escape = (text: string): string => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function signerLabel(keyid: string, key: Record<string, unknown> | undefined): string {
  const owner = key?.['x-tuf-on-ci-keyowner'];
  if (typeof owner === 'string') return owner;
  if (typeof key?.['x-tuf-on-ci-online-uri'] === 'string') return `online key ${keyid.slice(0, 8)}`;
  return `key ${keyid.slice(0, 8)}`;
}

export function renderIndex(state: RepositoryState, at: Date): string {
  const rows = roleOrder(state).flatMap((role) => {
    const metadata = roleMetadata(state, role);
    const authorities = authoritiesFor(state, role);
    if (!metadata || typeof authorities === 'string') return [];
    const { role: keys, ring } = authorities[0]!;
    const signers = keys.keyids.map((keyid) => signerLabel(keyid, Object.hasOwn(ring.keys, keyid) ? ring.keys[keyid] : undefined));
    const cells = [role, String(metadata.signed.version), signers.join(', '), `${keys.threshold} of ${keys.keyids.length}`, formatExpires(metadata.expires)];
    return [`<tr>${cells.map((cell) => `<td>${escape(cell)}</td>`).join('')}</tr>`];
  });
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>TUF repository</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}</style>
</head>
<body>
<h1>TUF repository</h1>
<p>Published ${escape(formatExpires(at))} from commit <code>${escape(state.commit)}</code>. Clients start from <a href="1.root.json">1.root.json</a> and fetch <a href="timestamp.json">timestamp.json</a>.</p>
<table>
<tr><th>role</th><th>version</th><th>signers</th><th>threshold</th><th>expires</th></tr>
${rows.join('\n')}
</table>
</body>
</html>
`;
}
