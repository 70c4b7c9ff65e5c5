/*
 * Live notification counter (and list on /meldingen) over Socket.IO.
 *
 * Progressive enhancement only: without JavaScript the counter is rendered
 * by the server and the list is a plain page. Events carry ids and counts;
 * texts come from the server over HTTP (/meldingen.json), so they are in the
 * reader's language and pass the same access checks as the page.
 * Other areas reuse the one socket through window.expertiseRealtime:
 *   window.expertiseRealtime.join("question", 12).then(ok => ...)
 *   window.expertiseRealtime.on("post_created", payload => ...)
 *   window.expertiseRealtime.onReconnect(() => fetch what was missed)  (after the rooms are joined again)
 * While the connection is down a notice says so ([data-connection-status] in base.html), and
 * another says when it is back.
 */
(function () {
  "use strict";

  var counter = document.querySelector("[data-notification-counter]");
  if (!counter || typeof window.io !== "function") {
    return;
  }
  var badge = counter.querySelector("[data-unread-badge]");
  var count = counter.querySelector("[data-unread-count]");
  var feedUrl = counter.getAttribute("data-feed-url");
  var list = document.querySelector("[data-notification-list]");
  var empty = document.querySelector("[data-notification-empty]");
  var lastId = list ? parseInt(list.getAttribute("data-last-id") || "0", 10) : null;

  function showCount(unread) {
    if (typeof unread !== "number" || !count) {
      return;
    }
    count.textContent = String(unread);
    badge.hidden = unread === 0;
  }

  // Fetch what this page missed: the count always, new list items on /meldingen.
  function catchUp() {
    // Off the list page only the count is needed (limit=0).
    var url = feedUrl + (lastId !== null ? "?since=" + encodeURIComponent(lastId) : "?limit=0");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("feed " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        showCount(data.unread);
        if (!list) {
          return;
        }
        // The feed is newest first; insert oldest first at the top.
        data.notifications.slice().reverse().forEach(function (item) {
          if (item.id <= lastId || list.querySelector('[data-notification-id="' + item.id + '"]')) {
            return;
          }
          var template = document.createElement("template");
          template.innerHTML = item.html.trim();  // rendered and escaped by the server
          list.insertBefore(template.content, list.firstChild);
          lastId = Math.max(lastId, item.id);
        });
        if (empty && list.children.length) {
          empty.hidden = true;
        }
      })
      .catch(function () { /* the next reconnect or a reload catches up */ });
  }

  // WebSocket only, with growing waits between attempts: 1, 2, 4 … 30 s (each ±50 %).
  // A refused handshake (an origin other than BASE_URL's) then fails as one request and
  // counts as a failed attempt. Long-polling would open each attempt with a GET that
  // carries no Origin header and is accepted, so every try restarted the back-off at
  // 1 s and left that GET hanging for 25 s: the browser's six connections filled up.
  var socket = window.io({
    withCredentials: true,
    transports: ["websocket"],
    reconnectionDelay: 1000,
    reconnectionDelayMax: 30000,
    randomizationFactor: 0.5
  });
  var connectedBefore = false;
  var reconnectHandlers = [];
  var joined = [];

  // A visible notice (in a status region, so it is also read out) while the live connection is
  // down, and a short one when it is back. A drop shorter than OFFLINE_AFTER ms shows nothing,
  // nor does leaving the page.
  var OFFLINE_AFTER = 2000, BACK_FOR = 6000;
  var status = document.querySelector("[data-connection-status]");
  var offlineTimer = null, backTimer = null, shownOffline = false;

  function say(text, kind) {
    if (!status) {
      return;
    }
    status.textContent = "";
    if (text) {
      var notice = document.createElement("p");
      notice.className = "connection-notice connection-notice--" + kind;
      notice.textContent = text;
      status.appendChild(notice);
    }
  }

  socket.on("disconnect", function (reason) {
    if (reason === "io client disconnect" || offlineTimer) {
      return;
    }
    clearTimeout(backTimer);
    offlineTimer = setTimeout(function () {
      shownOffline = true;
      say(status && status.getAttribute("data-offline"), "offline");
    }, OFFLINE_AFTER);
  });
  window.addEventListener("pagehide", function () { clearTimeout(offlineTimer); });

  function connectionBack() {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    if (!shownOffline) {
      return;
    }
    shownOffline = false;
    say(status && status.getAttribute("data-online"), "online");
    backTimer = setTimeout(function () { say(""); }, BACK_FOR);
  }

  function joinRoom(room) {
    return new Promise(function (resolve) {
      socket.emit("join", room, function (answer) {
        resolve(Boolean(answer && answer.ok));
      });
    });
  }

  socket.on("connect", function () {
    if (connectedBefore) {
      catchUp();
      // Join every room again first, then let the pages catch up: what happens after the
      // join comes live, what happened before it comes with the catch-up.
      Promise.all(joined.map(joinRoom)).then(function () {
        reconnectHandlers.forEach(function (handler) { handler(); });
        connectionBack();
      });
    }
    connectedBefore = true;
  });
  socket.on("notification", function (payload) {
    showCount(payload.unread);
    if (list) {
      catchUp();
    }
  });
  socket.on("notification_count", function (payload) {
    showCount(payload.unread);
  });
  // Live counters next to menu entries (`data-live-badge="<name>"`, e.g. the triage queue): the
  // event `<name>_count` carries the new count only, for this person's own room.
  var badgeNames = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-live-badge]"), function (element) {
    var name = element.getAttribute("data-live-badge");
    if (badgeNames.indexOf(name) === -1) {
      badgeNames.push(name);
    }
  });
  badgeNames.forEach(function (name) {
    socket.on(name + "_count", function (payload) {
      if (typeof payload.count !== "number") {
        return;
      }
      Array.prototype.forEach.call(document.querySelectorAll('[data-live-badge="' + name + '"]'), function (element) {
        var number = element.querySelector("[data-live-count]");
        if (number) {
          number.textContent = String(payload.count);
        }
        if (element.hasAttribute("data-live-badge-keep")) {
          return;
        }
        element.hidden = payload.count === 0;
      });
    });
  });

  window.expertiseRealtime = {
    socket: socket,
    join: function (kind, id) {
      var room = { kind: kind, id: id };
      return joinRoom(room).then(function (ok) {
        if (ok && !joined.some(function (r) { return r.kind === kind && r.id === id; })) {
          joined.push(room);
        }
        return ok;
      });
    },
    on: function (event, handler) { socket.on(event, handler); },
    onReconnect: function (handler) { reconnectHandlers.push(handler); }
  };
})();
