// The usersvc console (issue 14): plain JavaScript, no build step. Everything
// a user typed reaches the page through textContent or an attribute set by
// el(), never as HTML, so a name like <img onerror=...> shows as those characters.
const TOKEN_KEY = "usersvcConsoleToken";
const main = document.getElementById("main");

// The address serve prints carries a one-time code in its fragment (never sent
// to the server as part of a URL): the page trades it for the token once, so
// the address the browser keeps in its history opens nothing. A #token=
// address works too. The token is kept for this tab only and travels in the
// Authorization header alone.
async function takeTokenFromUrl() {
  const code = location.hash.match(/^#code=([0-9a-f]+)$/);
  const token = location.hash.match(/^#token=([0-9A-Za-z._~-]+)$/);
  if (!code && !token) return;
  history.replaceState(null, "", location.pathname + "#/users");
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token[1]);
    return;
  }
  const res = await fetch("/api/v1/admin/sign-in", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: code[1] }),
  });
  const body = await res.json().catch(() => null);
  if (res.ok && body) sessionStorage.setItem(TOKEN_KEY, body.data.token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (value !== false && value !== null && value !== undefined)
      node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat())
    if (child !== null && child !== undefined && child !== false)
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

class SignInNeeded extends Error {}

// A console action (a button, a form): its failure shows on the page (or asks
// to sign in again) instead of becoming an unhandled rejection; `after` runs
// once it succeeded.
function action(fn, after = () => route()) {
  return async (e) => {
    e.preventDefault();
    try {
      await fn(e);
      after();
    } catch (err) {
      if (err instanceof SignInNeeded) return signIn("Sign in again");
      main.prepend(notice(err.message, "error"));
    }
  };
}

async function api(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) throw new SignInNeeded();
  const headers = { Authorization: "Bearer " + token };
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const res = await fetch("/api/v1/admin" + path, { method, headers, body });
  const envelope = await res.json().catch(() => ({ message: res.statusText }));
  if (res.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new SignInNeeded();
  }
  if (!res.ok) {
    const details = (envelope.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
    throw new Error(envelope.message + (details ? ` (${details})` : ""));
  }
  return envelope.data;
}

function show(...nodes) {
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined && n !== false));
}

function notice(text, kind = "") {
  return el("p", { class: `notice ${kind}`, role: "status" }, text);
}

function signIn(message) {
  const input = el("input", { type: "password", name: "token", autocomplete: "off", required: true, id: "token" });
  show(
    el("h1", {}, "Sign in to the console"),
    message ? notice(message, "error") : null,
    el(
      "p",
      { class: "muted" },
      "usersvc serve prints the console's address on stderr at start (console: http://…/_/#code=…, which opens once) and, unless you chose the token, the token itself",
    ),
    el(
      "form",
      {
        id: "sign-in",
        onsubmit: (e) => {
          e.preventDefault();
          sessionStorage.setItem(TOKEN_KEY, input.value.trim());
          location.hash = "#/users";
          route();
        },
      },
      el("label", {}, "Console token", input),
      el("button", { type: "submit" }, "Sign in"),
    ),
  );
}

function thumb(user, cls = "thumb") {
  return user.Avatar ? el("img", { class: cls, src: user.Avatar, alt: "" }) : el("span", { class: cls });
}

async function usersPage(params) {
  const search = params.get("search") || "";
  const after = params.get("after") || "";
  const query = new URLSearchParams({ limit: "50" });
  if (search) query.set("search", search);
  if (after) query.set("after", after);
  const data = await api("GET", "/users?" + query);
  const box = el("input", {
    type: "search",
    name: "search",
    value: search,
    placeholder: "username, e-mail or name",
    id: "search",
  });
  const rows = data.users.map((u) =>
    el(
      "tr",
      { "data-user": u._id },
      el("td", {}, thumb(u)),
      el("td", {}, el("a", { href: `#/users/${u._id}` }, u.username)),
      el("td", {}, u.email),
      el("td", { class: "full-name" }, u.fullName),
      el("td", {}, u.openSessions),
      el("td", {}, u.subscribersCount),
      el("td", {}, u.createdAt.slice(0, 10)),
    ),
  );
  show(
    el("h1", {}, "Users"),
    el(
      "form",
      {
        onsubmit: (e) => {
          e.preventDefault();
          location.hash = "#/users?" + new URLSearchParams(box.value ? { search: box.value } : {});
        },
      },
      el("label", {}, "Search", box),
      el("button", { type: "submit" }, "Search"),
    ),
    el(
      "table",
      { id: "users" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["", "Username", "E-mail", "Name", "Sessions", "Subscribers", "Created"].map((h) => el("th", {}, h)),
        ),
      ),
      el("tbody", {}, rows.length ? rows : el("tr", {}, el("td", { colspan: 7 }, "No users"))),
    ),
    data.next
      ? el(
          "p",
          {},
          el(
            "a",
            { href: "#/users?" + new URLSearchParams({ ...(search ? { search } : {}), after: data.next }) },
            "Next page",
          ),
        )
      : null,
  );
}

function formData(form) {
  const data = new FormData(form);
  for (const [name, value] of [...data.entries()])
    if ((value instanceof File && value.size === 0) || value === "") data.delete(name);
  return data;
}

async function userPage(id) {
  const data = await api("GET", "/users/" + encodeURIComponent(id));
  const u = data.user;
  const tokenOut = el("p", { id: "issued-token" });
  show(
    el("h1", {}, u.username, " ", el("span", { class: "muted" }, u._id)),
    u.CoverImg ? el("img", { class: "cover", src: u.CoverImg, alt: "" }) : null,
    thumb(u, "avatar"),
    el(
      "table",
      { id: "profile" },
      el(
        "tbody",
        {},
        [
          ["Username", u.username],
          ["E-mail", u.email],
          ["Name", u.fullName],
          ["Created", u.createdAt],
          ["Updated", u.updatedAt],
          ["Subscribers", u.subscribersCount],
          ["Subscribed to", u.SubscribedToCount],
        ].map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { "data-field": k }, v))),
      ),
    ),
    el("h2", {}, "Edit profile"),
    el(
      "form",
      {
        id: "edit-profile",
        onsubmit: action((e) => api("PATCH", "/users/" + u._id, Object.fromEntries(formData(e.target)))),
      },
      el("label", {}, "Username", el("input", { name: "username", placeholder: u.username })),
      el("label", {}, "E-mail", el("input", { name: "email", placeholder: u.email })),
      el("label", {}, "Name", el("input", { name: "fullName", placeholder: u.fullName })),
      el("button", { type: "submit" }, "Save"),
    ),
    el("h2", {}, "Images"),
    el(
      "form",
      { id: "replace-avatar", onsubmit: action((e) => api("PATCH", `/users/${u._id}/avatar`, formData(e.target))) },
      el("label", {}, "Avatar", el("input", { type: "file", name: "Avatar", accept: "image/*", required: true })),
      el("button", { type: "submit" }, "Replace avatar"),
    ),
    el(
      "form",
      { id: "replace-cover", onsubmit: action((e) => api("PATCH", `/users/${u._id}/cover-image`, formData(e.target))) },
      el(
        "label",
        {},
        "Cover image",
        el("input", { type: "file", name: "CoverImg", accept: "image/*", required: true }),
      ),
      el("button", { type: "submit" }, "Replace cover"),
    ),
    el("h2", {}, "Set password"),
    el(
      "form",
      {
        id: "set-password",
        onsubmit: action((e) => api("PUT", `/users/${u._id}/password`, Object.fromEntries(new FormData(e.target)))),
      },
      el(
        "label",
        {},
        "New password",
        el("input", { type: "password", name: "password", required: true, autocomplete: "new-password" }),
      ),
      el("button", { type: "submit" }, "Set password (revokes every session)"),
    ),
    el("h2", {}, `Open sessions (${data.sessions.length})`),
    el(
      "table",
      { id: "sessions" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["Created", "Last used", "User agent", "Address", ""].map((h) => el("th", {}, h)),
        ),
      ),
      el(
        "tbody",
        {},
        data.sessions.map((s) =>
          el(
            "tr",
            { "data-session": s.sessionId },
            el("td", {}, s.createdAt),
            el("td", {}, s.lastUsedAt),
            el("td", {}, s.userAgent),
            el("td", {}, s.clientAddress),
            el(
              "td",
              {},
              el(
                "button",
                {
                  class: "quiet revoke",
                  onclick: action(() => api("DELETE", "/sessions/" + encodeURIComponent(s.sessionId))),
                },
                "Revoke",
              ),
            ),
          ),
        ),
      ),
    ),
    data.sessions.length
      ? el(
          "p",
          {},
          el(
            "button",
            { class: "quiet", id: "revoke-all", onclick: action(() => api("DELETE", `/users/${u._id}/sessions`)) },
            "Revoke all",
          ),
        )
      : null,
    el("h2", {}, "Try the API as this user"),
    el(
      "p",
      { class: "warning" },
      "Opens a real session for this user, without their password. The server log records it.",
    ),
    el(
      "p",
      {},
      el(
        "button",
        {
          class: "quiet",
          id: "issue-token",
          onclick: async () => {
            try {
              const issued = await api("POST", `/users/${u._id}/access-token`);
              tokenOut.replaceChildren(
                "Access token (",
                el("code", {}, "Authorization: Bearer …"),
                "): ",
                el("span", { class: "token" }, issued.accessToken),
              );
              navigator.clipboard?.writeText(issued.accessToken).catch(() => {});
            } catch (err) {
              tokenOut.replaceChildren(notice(err.message, "error"));
            }
          },
        },
        "Copy an access token for this user",
      ),
    ),
    tokenOut,
    el("h2", {}, "Subscribers"),
    personList(data.subscribers.map((s) => [s.subscriber, s.createdAt])),
    el("h2", {}, "Subscribed to"),
    personList(data.subscriptions.map((s) => [s.channel, s.createdAt])),
    el("h2", {}, "Watch history"),
    data.history.length
      ? el(
          "ul",
          {},
          data.history.map((h) => el("li", {}, h.videoId, " ", el("span", { class: "muted" }, h.watchedAt))),
        )
      : el("p", { class: "muted" }, "Nothing watched"),
    el("h2", {}, "Delete"),
    el(
      "p",
      {},
      el(
        "button",
        {
          class: "danger",
          id: "delete-user",
          onclick: action(async () => {
            if (!confirm(`Delete ${u.username} with their sessions, subscriptions and history?`)) return;
            await api("DELETE", "/users/" + u._id);
            location.hash = "#/users";
          }),
        },
        "Delete this user",
      ),
    ),
  );
}

// [user, since] pairs: the other side of each subscription, and when it began.
function personList(people) {
  if (!people.length) return el("p", { class: "muted" }, "None");
  return el(
    "ul",
    {},
    people.map(([p, since]) =>
      el(
        "li",
        {},
        thumb(p),
        " ",
        el("a", { href: `#/users/${p._id}` }, p.username),
        " ",
        el("span", { class: "muted" }, since),
      ),
    ),
  );
}

function createPage() {
  show(
    el("h1", {}, "Create a user"),
    el(
      "form",
      {
        id: "create-user",
        onsubmit: action(
          async (e) => {
            const user = await api("POST", "/users", formData(e.target));
            location.hash = "#/users/" + user._id;
          },
          () => {},
        ),
      },
      el("label", {}, "Username", el("input", { name: "username", required: true })),
      el("label", {}, "E-mail", el("input", { name: "email", type: "email", required: true })),
      el(
        "label",
        {},
        "Password",
        el("input", { name: "password", type: "password", required: true, autocomplete: "new-password" }),
      ),
      el("label", {}, "Name", el("input", { name: "fullName" })),
      el("label", {}, "Avatar", el("input", { name: "Avatar", type: "file", accept: "image/*" })),
      el("label", {}, "Cover image", el("input", { name: "CoverImg", type: "file", accept: "image/*" })),
      el("button", { type: "submit" }, "Create"),
    ),
  );
}

async function activityPage() {
  const data = await api("GET", "/activity");
  show(
    el("h1", {}, "Activity"),
    el("p", {}, el("button", { class: "quiet", onclick: () => route() }, "Refresh")),
    el("h2", {}, "Locked out"),
    data.lockouts.length
      ? el(
          "table",
          { id: "lockouts" },
          el(
            "tbody",
            {},
            data.lockouts.map((l) =>
              el(
                "tr",
                {},
                el("td", {}, l.kind),
                el("td", {}, l.user ? l.user.username : l.subject),
                el("td", {}, `${l.failures} failures`),
                el("td", {}, `${l.retryAfter} s left`),
                el(
                  "td",
                  {},
                  el(
                    "button",
                    { class: "quiet", onclick: action(() => api("DELETE", "/lockouts/" + encodeURIComponent(l.key))) },
                    "Unlock",
                  ),
                ),
              ),
            ),
          ),
        )
      : el("p", { class: "muted" }, "Nobody is locked out"),
    el("h2", {}, "Recent requests (this instance)"),
    el(
      "table",
      { id: "requests" },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ["Time", "Method", "Path", "Status", "ms", "User"].map((h) => el("th", {}, h)),
        ),
      ),
      el(
        "tbody",
        {},
        data.requests.map((r) =>
          el(
            "tr",
            {},
            el("td", {}, r.at),
            el("td", {}, r.method),
            el("td", {}, r.path),
            el("td", {}, r.status),
            el("td", {}, r.ms),
            el("td", {}, r.userId ? el("a", { href: "#/users/" + r.userId }, r.userId) : ""),
          ),
        ),
      ),
    ),
  );
}

// Pages render one after another, in the order they were asked for: a page
// still waiting for the API when the address changes again must not replace
// the newer one when its answer comes.
let rendering = Promise.resolve();
function route() {
  rendering = rendering.then(renderRoute, renderRoute);
  return rendering;
}

async function renderRoute() {
  const [path, queryText] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(queryText || "");
  try {
    if (!sessionStorage.getItem(TOKEN_KEY)) return signIn();
    const user = path.match(/^\/users\/([^/]+)$/);
    if (user) return await userPage(decodeURIComponent(user[1]));
    if (path === "/create") return createPage();
    if (path === "/activity") return await activityPage();
    return await usersPage(params);
  } catch (err) {
    if (err instanceof SignInNeeded)
      return signIn(sessionStorage.getItem(TOKEN_KEY) ? "" : "The token was not accepted");
    show(notice(err.message, "error"));
  }
}

// A console URL pasted into a tab that already shows the console changes only
// the fragment: the token is taken on every change too.
addEventListener("hashchange", async () => {
  await takeTokenFromUrl();
  route();
});
takeTokenFromUrl().then(route);
