// The habits of chai-backend front ends, kept on purpose: an axios-style client
// with credentials, `Authorization: Bearer ${localStorage.accessToken}` sent
// even when there is none ("Bearer null"), a refresh-and-retry on 401, and only
// chai-backend's field names read from responses.
"use strict";

const API = new URLSearchParams(location.search).get("api") + "/api/v1";
const $ = (id) => document.getElementById(id);
let me = null;
let openChannel = null;

function status(text) {
  $("status").textContent = text;
}

async function request(method, path, body, retried = false) {
  const headers = { Authorization: `Bearer ${localStorage.getItem("accessToken")}` };
  let payload = body;
  if (body && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const res = await fetch(API + path, { method, headers, body: payload, credentials: "include" });
  const json = await res.json();
  if (res.status === 401 && !retried && !path.startsWith("/users/login") && !path.startsWith("/users/refresh")) {
    try {
      const refreshed = await request("POST", "/users/refresh-token", undefined, true);
      localStorage.setItem("accessToken", refreshed.data.accessToken);
      return request(method, path, body, true);
    } catch {
      // fall through to the original 401
    }
  }
  if (!res.ok) throw new Error(json.message || `HTTP ${res.status}`);
  return json;
}

function showProfile(user) {
  me = user;
  $("avatar").src = user.avatar;
  $("fullName").textContent = user.fullName;
  $("username").textContent = user.username;
  $("profile").hidden = false;
  $("channel").hidden = false;
  return loadMySubscriptions();
}

function showLoggedOut() {
  me = null;
  $("profile").hidden = true;
  $("channel").hidden = true;
}

async function loadMySubscriptions() {
  const res = await request("GET", `/subscriptions/subscribed-channels/${me._id}`);
  $("my-subscriptions").replaceChildren(
    ...res.data.map((item) => {
      const li = document.createElement("li");
      li.textContent = item.channel.username;
      return li;
    }),
  );
}

async function loadChannel(username) {
  const res = await request("GET", `/users/c/${encodeURIComponent(username)}`);
  openChannel = res.data;
  $("channel-name").textContent = openChannel.username;
  $("subscribers").textContent = openChannel.subscribersCount;
  $("subscribed-to").textContent = openChannel.channelsSubscribedToCount;
  $("subscribe").textContent = openChannel.isSubscribed ? "Unsubscribe" : "Subscribe";
}

function on(id, event, handler) {
  $(id).addEventListener(event, async (e) => {
    e.preventDefault();
    try {
      await handler(e);
    } catch (err) {
      status(`Error: ${err.message}`);
    }
  });
}

on("register", "submit", async (e) => {
  const res = await request("POST", "/users/register", new FormData(e.target));
  status(`Account created for ${res.data.username}`);
});

on("login", "submit", async (e) => {
  const form = new FormData(e.target);
  const identifier = form.get("identifier");
  const res = await request("POST", "/users/login", {
    email: identifier,
    username: identifier,
    password: form.get("password"),
  });
  localStorage.setItem("accessToken", res.data.accessToken);
  await showProfile(res.data.user);
  status(`Welcome back, ${res.data.user.username}`);
});

on("logout", "click", async () => {
  await request("POST", "/users/logout");
  localStorage.removeItem("accessToken");
  showLoggedOut();
  status("Logged out");
});

on("find-channel", "submit", async (e) => {
  await loadChannel(new FormData(e.target).get("username"));
});

on("subscribe", "click", async () => {
  await request("POST", `/subscriptions/c/${openChannel._id}`);
  await loadChannel(openChannel.username);
  await loadMySubscriptions();
});

// On load: a session cookie from an earlier visit signs the user in.
request("GET", "/users/current-user")
  .then((res) => showProfile(res.data))
  .then(() => status(`Signed in as ${me.username}`))
  .catch(() => showLoggedOut());
