// Agora's pages work without this script. With it: likes, saves, follows, joining a group,
// dismissing a suggestion and comments go through the JSON API without reloading the page;
// files upload as soon as they are chosen, dropped or pasted, and images open in a lightbox;
// feed pages listen to the live stream for new posts, counts and poll tallies; the toolbar's
// search box suggests as you type; and "5 min ago" texts stay current. Any failure of an
// enhanced form falls back to sending the form as usual.

const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? '';

async function api(method, url, body) {
  const headers = { Accept: 'application/json', 'X-CSRF-Token': csrf };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (!response.ok) {
    const error = new Error(`${method} ${url} answered ${response.status}`);
    error.problem = await response.json().catch(() => null);
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const path = (form) => new URL(form.action, location.href).pathname;
const turningOn = (form) => form.elements.on?.value === '1';

// ---- Likes ----------------------------------------------------------------------------

function showLike(button, liked, count) {
  button.setAttribute('aria-pressed', String(liked));
  button.textContent = `${liked ? 'Liked' : 'Like'} · ${count}`;
}

async function like(form) {
  const on = turningOn(form);
  // /posts/{id}/like and /comments/{id}/like have the same path under /api/v1.
  const item = await api(on ? 'PUT' : 'DELETE', `/api/v1${path(form)}`);
  form.elements.on.value = item.liked_by_me ? '0' : '1';
  showLike(form.querySelector('button'), item.liked_by_me, item.like_count);
}

// ---- Bookmarks ------------------------------------------------------------------------

function showSaved(button, saved) {
  button.setAttribute('aria-pressed', String(saved));
  button.textContent = saved ? 'Saved' : 'Save';
}

async function save(form) {
  const on = turningOn(form);
  // /posts/{id}/save becomes /api/v1/posts/{id}/saved; comments likewise.
  await api(on ? 'PUT' : 'DELETE', `/api/v1${path(form).replace(/\/save$/, '/saved')}`);
  form.elements.on.value = on ? '0' : '1';
  showSaved(form.querySelector('button'), on);
}

// ---- Follows and groups ----------------------------------------------------------------

async function follow(form) {
  const on = turningOn(form);
  const match = path(form).match(/^\/(tags|people)\/([^/]+)\/follow$/);
  if (!match) throw new Error('not a follow form');
  const kind = match[1] === 'tags' ? 'tags' : 'users';
  await api(on ? 'PUT' : 'DELETE', `/api/v1/follows/${kind}/${match[2]}`);
  form.elements.on.value = on ? '0' : '1';
  const button = form.querySelector('button');
  if (on) {
    button.className = 'chip';
    button.setAttribute('aria-pressed', 'true');
    button.textContent = 'Following · Unfollow';
  } else {
    button.className = 'primary';
    button.removeAttribute('aria-pressed');
    button.textContent = 'Follow';
  }
}

async function join(form) {
  const outcome = await api('POST', `/api/v1${path(form)}`);
  const button = form.querySelector('button');
  if (outcome.status === 'member') {
    // Now a member: the same form leaves, sent as a plain form.
    form.action = path(form).replace(/\/join$/, '/leave');
    delete form.dataset.enhance;
    button.className = 'chip';
    button.textContent = 'Leave group';
    form.after(el('p', { class: 'notice', role: 'status' }, 'You joined this group. Reload to see its posts.'));
  } else {
    button.disabled = true;
    button.textContent = 'Asked to join';
  }
}

// One click on "Dismiss" and the suggestion leaves the list; it is never suggested again.
async function dismiss(form) {
  await api('POST', '/api/v1/recommendations/dismissals', { kind: form.elements.kind.value, id: form.elements.id.value });
  const item = form.closest('[data-recommendation]');
  const list = item?.parentElement;
  item?.remove();
  if (list && !list.children.length) {
    list.previousElementSibling?.remove();
    list.remove();
  }
}

// ---- Comments --------------------------------------------------------------------------

const initials = (name) =>
  name.split(/\s+/).filter(Boolean).slice(0, 2).map((w) => w[0]).join('').toUpperCase();

function commentView(comment, back) {
  const when = new Date(comment.created_at);
  const hidden = (name, value) => el('input', { type: 'hidden', name, value });
  const likeForm = el('form', { method: 'post', action: `/comments/${comment.id}/like`, 'data-enhance': 'like' },
    hidden('csrf', csrf), hidden('back', back), hidden('on', comment.liked_by_me ? '0' : '1'),
    el('button', { type: 'submit', class: 'chip' }));
  showLike(likeForm.querySelector('button'), comment.liked_by_me, comment.like_count);
  const saveForm = el('form', { method: 'post', action: `/comments/${comment.id}/save`, 'data-enhance': 'save' },
    hidden('csrf', csrf), hidden('back', back), hidden('on', comment.saved_by_me ? '0' : '1'),
    el('button', { type: 'submit', class: 'chip' }));
  showSaved(saveForm.querySelector('button'), comment.saved_by_me);
  const actions = el('footer', { class: 'post-actions' }, likeForm, saveForm);
  if (comment.can_edit) actions.append(el('a', { class: 'chip', href: `/comments/${comment.id}/edit` }, 'Edit'));
  if (comment.can_delete) {
    actions.append(el('form', { method: 'post', action: `/comments/${comment.id}/delete` },
      hidden('csrf', csrf), hidden('back', back),
      el('button', { type: 'submit', class: 'chip danger' }, 'Delete')));
  }
  const author = comment.author;
  const body = el('div', { class: 'post-body' });
  body.innerHTML = comment.html; // rendered and sanitised by the server, as on the page
  const files = el('div', { class: 'attachments' });
  const downloads = el('ul', { class: 'attachment-files' });
  for (const file of comment.attachments ?? []) {
    if (file.image) {
      files.append(el('a', { class: 'attachment-image', href: file.medium_url, 'data-lightbox': '', 'data-full': file.url },
        el('img', { src: file.thumb_url, alt: file.alt, loading: 'lazy' })));
    } else {
      downloads.append(el('li', {}, el('a', { href: file.url, download: '' }, file.name)));
    }
  }
  if (downloads.children.length) files.append(downloads);
  return el('article', { class: 'comment', id: `comment-${comment.id}` },
    el('header', { class: 'post-head' },
      el('a', { class: 'person', href: `/people/${author.id}` },
        author.photo_url
          ? el('img', { class: 'avatar', src: author.photo_url, alt: '', width: '32', height: '32' })
          : el('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(author.name)),
        el('span', { class: 'person-name' }, author.name)),
      ...(author.guest_domain ? [el('span', { class: 'badge badge-guest' }, `Guest · ${author.guest_domain}`)] : []),
      ...(comment.employees_only ? [el('span', { class: 'badge badge-staff' }, 'Employees only')] : []),
      el('span', { class: 'muted' },
        el('time', { datetime: comment.created_at, title: exact(when) }, ago(when)))),
    body, ...(files.children.length ? [files] : []), actions);
}

function setCommentCount(postId, count) {
  for (const link of document.querySelectorAll(`#post-${postId} [data-comment-count]`)) {
    link.textContent = `${count} ${count === 1 ? 'comment' : 'comments'}`;
  }
}

async function comment(form) {
  const textarea = form.elements.body;
  // An empty comment is refused by the server, which shows its message on the plain form.
  if (!textarea.value.trim()) throw new Error('empty comment');
  // Files on a comment: the page shows them after the form is sent as usual.
  if (form.querySelector('[data-upload-list] li')) throw new Error('comment with files');
  const postId = path(form).split('/')[2];
  const employeesOnly = form.elements.employees_only?.checked ?? false;
  const created = await api('POST', `/api/v1${path(form)}`, { body: textarea.value, employees_only: employeesOnly });
  const section = form.closest('section') ?? form.parentElement;
  section.querySelector(':scope > .empty')?.remove();
  for (const stale of form.querySelectorAll('.alert, .field-error')) stale.remove();
  textarea.removeAttribute('aria-invalid');
  textarea.value = '';
  if (form.elements.employees_only) form.elements.employees_only.checked = false;
  const back = `/posts/${postId}`;
  if (!document.getElementById(`comment-${created.id}`)) {
    const more = section.querySelector(':scope > .more');
    (more ?? form).before(commentView(created, back));
  }
  const link = document.querySelector(`#post-${postId} [data-comment-count]`);
  const shown = parseInt(link?.textContent ?? '', 10);
  if (!Number.isNaN(shown)) setCommentCount(postId, shown + 1);
}

// ---- Sending enhanced forms ------------------------------------------------------------

const handlers = { like, save, follow, join, comment, dismiss };

document.addEventListener('submit', async (event) => {
  const form = event.target;
  const handler = handlers[form.dataset?.enhance];
  if (!handler || !csrf || event.defaultPrevented) return;
  event.preventDefault();
  if (form.dataset.busy) return;
  form.dataset.busy = '1';
  form.setAttribute('aria-busy', 'true');
  try {
    await handler(form);
  } catch {
    // The page's own form knows how to show what went wrong.
    HTMLFormElement.prototype.submit.call(form);
  } finally {
    delete form.dataset.busy;
    form.removeAttribute('aria-busy');
  }
});

// ---- Composer: preview, and completion of @people and #tags ----------------------------

function previewer(form) {
  const textarea = form.elements.body;
  const pane = form.querySelector('[data-preview]');
  const button = form.querySelector('[data-preview-toggle]');
  let timer = null;
  const render = async () => {
    try {
      pane.innerHTML = (await api('POST', '/api/v1/posts/preview', { body: textarea.value })).html;
    } catch (error) {
      pane.textContent = error.problem?.errors?.body?.[0] ?? 'The preview is not available right now.';
    }
  };
  button.hidden = false;
  button.addEventListener('click', () => {
    const open = pane.hidden;
    pane.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide preview' : 'Preview';
    if (open) render();
  });
  textarea.addEventListener('input', () => {
    clearTimeout(timer);
    if (!pane.hidden) timer = setTimeout(render, 400);
  });
}

// `@ana` or `#rel` just before the caret, as the server's markup reads them.
const PARTIAL = /(?:^|[^\p{L}\p{N}_&.-])([@#])([\p{L}\p{N}_.-]{1,40})$/u;

async function completions(sigil, query) {
  const q = encodeURIComponent(query);
  if (sigil === '@') {
    const people = await api('GET', `/api/v1/users?limit=6&q=${q}`);
    return people.items.map((u) => ({ value: u.handle, label: `${u.name} @${u.handle}` }));
  }
  const tags = await api('GET', `/api/v1/tags?limit=6&q=${q}`);
  return tags.items.map((t) => ({ value: t.name, label: `#${t.name}` }));
}

// A listbox under `input`, driven from the keyboard while focus stays in the input, so screen
// readers announce the active option. `lookup()` answers null (nothing to suggest) or an
// async function giving groups of options, `[{ label?, options: [{ text, value, detail? }] }]`;
// `pick(value)` acts on the chosen one. ↑/↓ move, Enter (and Tab with `tab`) picks the active
// option, Escape closes, a click picks. Without an active option, Enter does what it would.
function suggestions(input, { lookup, pick, preselect = false, tab = false }) {
  const list = el('div', { role: 'listbox', class: 'completions', id: `${input.id}-suggestions`, hidden: '' });
  list.setAttribute('aria-label', 'Suggestions');
  input.after(list);
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', list.id);
  const combobox = input.getAttribute('role') === 'combobox';
  let options = [];
  let active = -1;
  let timer = null;
  let asked = 0;

  const highlight = (index) => {
    active = index;
    options.forEach((o, i) => o.node.setAttribute('aria-selected', String(i === index)));
    if (index < 0) return input.removeAttribute('aria-activedescendant');
    input.setAttribute('aria-activedescendant', options[index].node.id);
    options[index].node.scrollIntoView({ block: 'nearest' });
  };
  const open = (shown) => {
    list.hidden = !shown;
    if (combobox) input.setAttribute('aria-expanded', String(shown));
  };
  const close = () => {
    asked += 1; // an answer still on its way is no longer wanted
    open(false);
    list.replaceChildren();
    options = [];
    highlight(-1);
  };
  const choose = (index) => {
    const { value } = options[index];
    close();
    pick(value);
  };
  const option = ({ text, value, detail }) => {
    const i = options.length;
    const node = el('div', { role: 'option', id: `${list.id}-${i}` }, text);
    if (detail) node.append(detail);
    // Keeps focus (and the caret) in the input.
    node.addEventListener('mousedown', (event) => {
      event.preventDefault();
      choose(i);
    });
    options.push({ node, value });
    return node;
  };
  const show = (groups) => {
    options = [];
    const nodes = groups.filter((g) => g.options.length).flatMap((group, g) => {
      const shown = group.options.map(option);
      if (!group.label) return shown;
      const id = `${list.id}-group-${g}`;
      return [el('div', { role: 'group', 'aria-labelledby': id },
        el('div', { class: 'completions-label', id }, group.label), ...shown)];
    });
    list.replaceChildren(...nodes);
    open(options.length > 0);
    highlight(options.length && preselect ? 0 : -1);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    const find = lookup();
    if (!find) return close();
    timer = setTimeout(async () => {
      const mine = ++asked;
      const found = await find().catch(() => []);
      if (mine === asked) show(found);
    }, 150);
  });
  input.addEventListener('keydown', (event) => {
    if (list.hidden) return;
    const step = { ArrowDown: 1, ArrowUp: -1 }[event.key];
    const n = options.length;
    // From no active option, ↓ goes to the first and ↑ to the last.
    if (step) highlight(((active < 0 && step < 0 ? 0 : active) + step + n) % n);
    else if ((event.key === 'Enter' || (tab && event.key === 'Tab')) && active >= 0) choose(active);
    else if (event.key === 'Escape') close();
    else return;
    event.preventDefault();
  });
  input.addEventListener('blur', () => {
    clearTimeout(timer);
    close();
  });
}

// The composer's completion of `@ana` and `#rel`: picking one puts it in the text.
function completer(textarea) {
  suggestions(textarea, {
    preselect: true,
    tab: true,
    lookup: () => {
      const match = textarea.value.slice(0, textarea.selectionEnd).match(PARTIAL);
      if (!match) return null;
      const [, sigil, query] = match;
      const start = textarea.selectionEnd - query.length - 1;
      return async () => {
        const found = await completions(sigil, query);
        return [{ options: found.map(({ value, label }) => ({ text: label, value: { sigil, start, value } })) }];
      };
    },
    pick: ({ sigil, start, value }) => {
      const head = `${textarea.value.slice(0, start)}${sigil}${value} `;
      textarea.value = head + textarea.value.slice(textarea.selectionEnd);
      textarea.setSelectionRange(head.length, head.length);
      textarea.dispatchEvent(new Event('input'));
    },
  });
}

// ---- Toolbar typeahead ------------------------------------------------------------------

const SUGGESTED = [['people', 'People'], ['groups', 'Groups'], ['tags', 'Tags'], ['posts', 'Posts']];

// Suggestions as the toolbar's search box is typed in; picking one opens it, and Enter
// without one searches as the plain form does.
function typeahead(input) {
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-expanded', 'false');
  suggestions(input, {
    lookup: () => {
      const q = input.value.trim();
      if (!q) return null;
      return async () => {
        const found = await api('GET', `/api/v1/search/suggest?q=${encodeURIComponent(q)}`);
        return SUGGESTED.map(([key, label]) => ({
          label,
          options: found[key].map((hit) => {
            const detail = el('span', { class: 'completions-detail' });
            if (hit.guest_domain) {
              detail.append(el('span', { class: 'badge badge-guest' }, `Guest · ${hit.guest_domain}`), ' ');
            }
            if (hit.type === 'post') {
              const snippet = el('span');
              snippet.innerHTML = hit.snippet; // escaped by the server, matches in <mark>
              detail.append(snippet);
            }
            return { text: hit.title, value: hit.url, detail: detail.childNodes.length ? detail : null };
          }),
        }));
      };
    },
    pick: (url) => location.assign(url),
  });
}

if (csrf) {
  for (const form of document.querySelectorAll('form.composer')) previewer(form);
  for (const textarea of document.querySelectorAll('textarea[data-complete]')) completer(textarea);
  const box = document.getElementById('toolbar-q');
  if (box) typeahead(box);
}

// ---- Files: upload as soon as chosen, dropped or pasted; view images in a lightbox -----

// Each file goes to the API at once with a progress bar; the form then sends only its id and
// the description typed for it. Without this script the files travel with the form itself.
function uploader(picker) {
  const form = picker.closest('form');
  const input = picker.querySelector('input[type=file]');
  const list = picker.querySelector('[data-upload-list]');
  for (const shared of picker.querySelectorAll('[data-alt-all]')) shared.hidden = true;
  const upload = (file) => {
    const name = file.name || 'pasted image';
    const bar = el('progress', { max: '100', value: '0', 'aria-label': `Uploading ${name}` });
    const item = el('li', { class: 'upload' }, el('span', {}, name), bar);
    list.append(item);
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/files');
    request.setRequestHeader('X-CSRF-Token', csrf);
    request.setRequestHeader('Accept', 'application/json');
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener('loadend', () => {
      let answer = null;
      try { answer = JSON.parse(request.responseText); } catch { /* shown below */ }
      if (request.status !== 201 || !answer) {
        bar.replaceWith(el('span', { class: 'field-error', role: 'alert' },
          answer?.detail ?? 'The upload failed; try again.'));
        item.append(removeButton(item));
        return;
      }
      const kept = [el('input', { type: 'hidden', name: 'attachment', value: answer.id })];
      if (answer.image) {
        const alt = el('input', { type: 'text', name: `alt_${answer.id}`, maxlength: '1000', id: `alt-${answer.id}` });
        kept.unshift(el('img', { src: answer.thumb_url, alt: '', class: 'upload-thumb' }),
          el('label', { for: `alt-${answer.id}` }, 'Describe it for those who can’t see it'), alt);
      }
      bar.replaceWith(...kept);
      item.append(removeButton(item));
      item.dataset.uploaded = answer.id;
      if (!list.querySelector('progress')) picker.querySelector('[data-upload-wait]')?.remove();
    });
    const body = new FormData();
    body.append('file', file, name);
    request.send(body);
  };
  const removeButton = (item) => {
    const button = el('button', { type: 'button', class: 'chip' }, 'Remove');
    button.addEventListener('click', () => item.remove());
    return button;
  };
  input.addEventListener('change', () => {
    for (const file of input.files) upload(file);
    input.value = '';
  });
  form.addEventListener('dragover', (event) => {
    if (event.dataTransfer?.types.includes('Files')) {
      event.preventDefault();
      form.classList.add('dropping');
    }
  });
  form.addEventListener('dragleave', () => form.classList.remove('dropping'));
  form.addEventListener('drop', (event) => {
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    form.classList.remove('dropping');
    for (const file of event.dataTransfer.files) upload(file);
  });
  form.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!files.length) return;
    event.preventDefault();
    for (const file of files) upload(file);
  });
  // An upload still under way would be lost: wait for it.
  form.addEventListener('submit', (event) => {
    if (list.querySelector('progress')) {
      event.preventDefault();
      event.stopImmediatePropagation();
      if (!picker.querySelector('[data-upload-wait]')) {
        list.after(el('p', { class: 'field-error', role: 'alert', 'data-upload-wait': '' },
          'Wait for the uploads to finish, then post.'));
      }
    }
  }, true);
}

function lightbox() {
  const dialog = el('dialog', { class: 'lightbox', 'aria-label': 'Image' });
  const image = el('img', { alt: '' });
  const close = el('button', { type: 'button', class: 'chip', autofocus: '' }, 'Close');
  const original = el('a', { class: 'chip', target: '_blank', rel: 'noopener' }, 'Original');
  dialog.append(image, el('div', { class: 'row' }, original, close));
  document.body.append(dialog);
  close.addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => { if (event.target === dialog) dialog.close(); });
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[data-lightbox]');
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const thumb = link.querySelector('img');
    image.src = link.href;
    image.alt = thumb?.alt ?? '';
    original.href = link.dataset.full;
    dialog.showModal();
  });
}

if (csrf) {
  for (const picker of document.querySelectorAll('[data-uploads]')) uploader(picker);
}
if ('HTMLDialogElement' in window) lightbox();

// ---- Relative times --------------------------------------------------------------------

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

// The same wording as the server's `Times::ago`.
function ago(then, now = new Date()) {
  const minutes = Math.floor((now - then) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 1440) return `${Math.floor(minutes / 60)} h ago`;
  if (minutes < 10080) return `${Math.floor(minutes / 1440)} d ago`;
  return `${then.getUTCDate()} ${MONTHS[then.getUTCMonth()]} ${then.getUTCFullYear()}`;
}

function exact(then) {
  const date = `${then.getUTCFullYear()}-${pad(then.getUTCMonth() + 1)}-${pad(then.getUTCDate())}`;
  return `${date} ${pad(then.getUTCHours())}:${pad(then.getUTCMinutes())} UTC`;
}

const RELATIVE = /^(just now|\d+ (min|h|d) ago)$/;

function refreshTimes() {
  const now = new Date();
  for (const time of document.querySelectorAll('time[datetime]')) {
    if (!RELATIVE.test(time.textContent.trim())) continue;
    const then = new Date(time.dateTime);
    if (!Number.isNaN(then.getTime())) time.textContent = ago(then, now);
  }
}

setInterval(refreshTimes, 60_000);
document.addEventListener('visibilitychange', () => document.hidden || refreshTimes());

// ---- Live updates on feed pages --------------------------------------------------------

// The API feed behind a feed page, first page only (a "Load more" page has a cursor).
function feedApi() {
  if (new URLSearchParams(location.search).has('cursor')) return null;
  const p = location.pathname.replace(/\/$/, '') || '/';
  if (p === '/') return '/api/v1/feeds/home';
  if (p === '/company') return '/api/v1/feeds/company';
  let m = p.match(/^\/groups\/(\d+)$/);
  if (m) return `/api/v1/groups/${m[1]}/feed`;
  m = p.match(/^\/tags\/([^/]+)$/);
  if (m) return `/api/v1/tags/${m[1]}/feed`;
  m = p.match(/^\/people\/(\d+)$/);
  if (m) return `/api/v1/users/${m[1]}/feed`;
  return null;
}

// One stream per page, shared by the feed and the bell. It starts after the last event the
// page was rendered with, so what happened between the render and now still arrives; on a
// reconnect the browser's Last-Event-ID header takes over from the query.
let openStream = null;
function stream() {
  if (!openStream) {
    const after = document.querySelector('meta[name="last-event-id"]')?.content;
    const query = after ? `?last_event_id=${encodeURIComponent(after)}` : '';
    openStream = new EventSource(`/api/v1/stream${query}`);
    addEventListener('pagehide', () => openStream.close());
  }
  return openStream;
}

function live(banner, feedUrl) {
  const fresh = new Set(); // new posts of this feed, not on the page
  const checked = new Set(); // post ids already looked up
  let waiting = [];
  let timer = null;

  const showBanner = (text) => {
    let button = banner.querySelector('button');
    if (!button) {
      button = el('button', { type: 'button', class: 'primary' });
      button.addEventListener('click', () => {
        location.href = location.pathname + location.search;
      });
      banner.append(button);
      banner.setAttribute('role', 'status');
    }
    button.textContent = text;
    banner.hidden = false;
  };

  // Whether new posts belong to this feed (the stream carries every post the viewer may
  // read) is asked of the feed itself, once for a burst of posts.
  const check = async () => {
    timer = null;
    const ids = waiting;
    waiting = [];
    try {
      const page = await api('GET', feedUrl);
      const inFeed = new Set(page.items.map((post) => post.id));
      for (const id of ids) if (inFeed.has(id)) fresh.add(id);
    } catch {
      return;
    }
    if (fresh.size > 0) showBanner(`${fresh.size} new ${fresh.size === 1 ? 'post' : 'posts'}`);
  };

  const source = stream();
  const data = (event) => {
    try {
      return JSON.parse(event.data);
    } catch {
      return null;
    }
  };
  source.addEventListener('post', async (event) => {
    const post = data(event);
    if (post?.kind === 'post.previewed') {
      const card = document.getElementById(`post-${post.post_id}`);
      // Her own view of the post: the preview shows only if she may read it.
      const view = card && (await api('GET', `/api/v1/posts/${post.post_id}`).catch(() => null));
      if (view) showPreviews(card, view);
      return;
    }
    if (!post || post.kind !== 'post.created' || checked.has(post.post_id)) return;
    if (document.getElementById(`post-${post.post_id}`)) return;
    checked.add(post.post_id);
    waiting.push(post.post_id);
    timer ??= setTimeout(check, 300);
  });
  source.addEventListener('like', (event) => {
    const like = data(event);
    if (!like || typeof like.like_count !== 'number') return;
    const selector = like.comment_id
      ? `#comment-${like.comment_id} form[data-enhance="like"] button`
      : `#post-${like.post_id} > footer form[data-enhance="like"] button`;
    const button = document.querySelector(selector);
    if (button) showLike(button, button.getAttribute('aria-pressed') === 'true', like.like_count);
  });
  source.addEventListener('comment', (event) => {
    const comment = data(event);
    if (comment && typeof comment.comment_count === 'number') {
      setCommentCount(comment.post_id, comment.comment_count);
    }
  });
  source.addEventListener('vote', async (event) => {
    const vote = data(event);
    const poll = vote && document.querySelector(`[data-poll="${vote.post_id}"]`);
    if (!poll) return;
    // The frame carries no tally: whether this reader sees one is the server's to say.
    const post = await api('GET', `/api/v1/posts/${vote.post_id}`).catch(() => null);
    if (post?.poll) showTally(poll, post.poll);
  });
  source.addEventListener('reload', () => showBanner('New posts'));
}

// Puts a post's link previews in its card, as the server renders them.
function showPreviews(card, post) {
  card.querySelectorAll(':scope > .link-preview').forEach((old) => old.remove());
  const body = card.querySelector(':scope > .post-body');
  if (!body) return;
  const back = window.location.pathname + window.location.search;
  const previews = (post.previews ?? []).map((preview) => {
    const aside = el('aside', { class: 'link-preview', 'data-preview-url': preview.url });
    if (preview.image_url) {
      const image = el('img', { class: 'link-preview-image', src: preview.image_url, alt: '', loading: 'lazy' });
      if (preview.image_width) image.width = preview.image_width;
      if (preview.image_height) image.height = preview.image_height;
      aside.append(image);
    }
    const text = el('div', { class: 'link-preview-text' },
      el('a', { href: preview.url, rel: 'nofollow noopener noreferrer ugc' }, el('strong', {}, preview.title ?? preview.url)));
    if (preview.description) text.append(el('p', {}, preview.description));
    if (preview.site_name) text.append(el('span', { class: 'muted' }, preview.site_name));
    aside.append(text);
    if (post.can_edit) {
      aside.append(el('form', { method: 'post', action: `/posts/${post.id}/previews/${preview.position}/remove` },
        el('input', { type: 'hidden', name: 'csrf', value: csrf }),
        el('input', { type: 'hidden', name: 'back', value: back }),
        el('button', { type: 'submit', class: 'chip' }, 'Remove preview')));
    }
    return aside;
  });
  body.after(...previews);
}

// Updates the counts a poll already shows (a reader who may not see them has none to update).
function showTally(element, poll) {
  for (const option of poll.options) {
    const row = element.querySelector(`[data-option="${option.id}"]`);
    const votes = row?.querySelector('[data-votes]');
    if (!votes || option.votes === null) continue;
    const percent = poll.voter_count > 0 ? Math.floor((option.votes * 100) / poll.voter_count) : 0;
    votes.textContent = `${option.votes} · ${percent} %`;
    const meter = row.querySelector('meter');
    if (meter) meter.value = percent;
  }
  const count = element.querySelector('[data-voter-count]');
  if (count && poll.voter_count !== null) count.textContent = `${poll.voter_count} voted`;
}

const banner = document.querySelector('[data-new-posts]');
const feedUrl = feedApi();
if (banner && feedUrl && csrf && 'EventSource' in window) live(banner, feedUrl);

// ---- The notification bell -------------------------------------------------------------

// The toolbar link to /notifications shows the unread count, kept current by the stream, and
// opens a dropdown of recent notifications; without this script it is a plain link.
function bell(link) {
  const count = link.querySelector('[data-bell-count]');
  const panel = el('div', { class: 'bell-panel', id: 'bell-panel', role: 'region', 'aria-label': 'Recent notifications', hidden: '' });
  link.after(panel);
  link.setAttribute('aria-controls', 'bell-panel');
  link.setAttribute('aria-expanded', 'false');

  const show = (unread) => {
    count.textContent = unread > 99 ? '99+' : String(unread);
    count.hidden = unread === 0;
    link.setAttribute('aria-label', unread ? `Notifications, ${unread} unread` : 'Notifications');
  };
  const fill = async () => {
    const page = await api('GET', '/api/v1/notifications?limit=8');
    const list = el('ul', { class: 'bell-list' });
    for (const item of page.items) {
      list.append(el('li', { class: item.read ? 'notification' : 'notification unread' }, el('a', { href: item.url }, item.text)));
    }
    if (page.items.length === 0) list.append(el('li', { class: 'empty' }, 'Nothing yet.'));
    const markAll = el('button', { type: 'button' }, 'Mark all read');
    markAll.addEventListener('click', async () => {
      const answer = await api('POST', '/api/v1/notifications/read', {});
      show(answer.unread);
      await fill();
    });
    panel.replaceChildren(list, el('p', { class: 'bell-actions' }, el('a', { href: '/notifications' }, 'See all'), ' ', markAll));
  };
  const close = () => {
    panel.hidden = true;
    link.setAttribute('aria-expanded', 'false');
  };

  link.addEventListener('click', async (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (!panel.hidden) return close();
    panel.hidden = false;
    link.setAttribute('aria-expanded', 'true');
    try {
      await fill();
    } catch {
      location.href = link.href;
    }
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !panel.hidden) {
      close();
      link.focus();
    }
  });
  document.addEventListener('click', (event) => {
    if (!panel.hidden && !panel.contains(event.target) && !link.contains(event.target)) close();
  });

  api('GET', '/api/v1/notifications/unread').then((answer) => show(answer.unread)).catch(() => {});
  stream().addEventListener('notification', (event) => {
    try {
      show(JSON.parse(event.data).unread);
    } catch {
      return;
    }
    if (!panel.hidden) fill().catch(() => {});
  });
}

const bellLink = document.querySelector('[data-bell]');
if (bellLink && csrf && 'EventSource' in window) bell(bellLink);

// ---- Exports of one's data --------------------------------------------------------------

// While an export is being made, the settings page asks now and then how it goes, and shows
// its section afresh (with the download link) once it is done.
function watchExports(section) {
  const poll = async () => {
    try {
      const exports = await api('GET', '/api/v1/me/exports');
      if (exports.some((e) => e.state === 'requested' || e.state === 'building')) {
        setTimeout(poll, 2000);
        return;
      }
      const page = await fetch('/settings', { credentials: 'same-origin' });
      const html = new DOMParser().parseFromString(await page.text(), 'text/html');
      const fresh = html.querySelector('#your-data');
      if (fresh) section.replaceWith(fresh);
    } catch {
      setTimeout(poll, 5000);
    }
  };
  setTimeout(poll, 2000);
}

const exportSection = document.querySelector('[data-export-pending]');
if (exportSection) watchExports(exportSection);
