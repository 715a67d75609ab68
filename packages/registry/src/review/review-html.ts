/** Escapes text for HTML element content and double-quoted attribute values. */
export function esc(value: unknown): string {
  return String(value)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** The page's style: one inline sheet (no script: the page works without JavaScript). */
const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#1a1a1a}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #ccc;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.3rem;text-align:left;vertical-align:top}
.diff{font:12px/1.35 ui-monospace,monospace;white-space:pre;overflow-x:auto;border:1px solid #ddd;margin:.3rem 0 1rem}
.diff div{padding:0 .4rem}.diff .add{background:#e6ffec}.diff .del{background:#ffebe9}.diff .fold{color:#666;background:#f4f4f4}
.refusal{border:2px solid #b00;background:#fff4f4;padding:.5rem 1rem}.notice{border:2px solid #080;background:#f4fff4;padding:.5rem 1rem}
.why{color:#7a0000}meter{width:12rem}form.inline{display:inline}textarea{width:100%;min-height:3rem}
.tier-high{color:#b00;font-weight:bold}.tier-medium{color:#a60;font-weight:bold}
`;

/** A whole HTML page with the review page's header (and sign-out form when signed in). */
export function page(
  title: string,
  body: string,
  signedIn?: { actor: string; csrf: string } | undefined,
): string {
  const who = signedIn
    ? `<form class="inline" method="post" action="/review/sign-out">${csrfField(signedIn.csrf)}
<span id="signed-in-as">${esc(signedIn.actor)}</span> <button type="submit" id="sign-out">Sign out</button></form>`
    : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · ameide-ext review</title><style>${STYLE}</style></head>
<body><header><h1><a href="/review">ameide-ext review</a></h1>${who}</header>
<main>${body}</main></body></html>`;
}

/** The hidden CSRF field every form carries. */
export function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${esc(token)}">`;
}
