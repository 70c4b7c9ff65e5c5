/*
 * Live question thread: new posts, edits and thread events appear without a reload.
 *
 * Progressive enhancement only: without JavaScript the thread is a plain page
 * and a reload shows everything. The page joins the room question:<id> over
 * the one socket of notifications.js (the server checks access on join).
 * Events carry ids and a fragment rendered by the server for a neutral
 * viewer, the same for everyone: it has no per-person controls, so a short
 * notice offers a reload for those. Once joined (and after every reconnect,
 * once the room is joined again) the page fetches what changed since its sync
 * cursor (data-sync-version, then the cursor of each answer) from
 * data-feed-url, rendered for this person. Joining first means nothing falls
 * between the catch-up and the live events; each post's version then decides
 * which of the two copies is newer, so nothing is shown twice or rolled back.
 */
(function () {
  "use strict";

  var section = document.querySelector("[data-live-thread]");
  var live = window.expertiseRealtime;
  if (!section || !live) {
    return;
  }
  var questionId = parseInt(section.getAttribute("data-live-thread"), 10);
  var feedUrl = section.getAttribute("data-feed-url");
  var syncVersion = parseInt(section.getAttribute("data-sync-version"), 10) || 0;
  // Post id -> the newest version this page has applied (posts on the page at load are at most syncVersion).
  var versions = {};

  function idsOf(selector, prefix) {
    var ids = [0];
    section.querySelectorAll(selector).forEach(function (element) {
      var id = parseInt(element.id.slice(prefix.length), 10);
      if (!isNaN(id)) {
        ids.push(id);
      }
    });
    return Math.max.apply(null, ids);
  }

  var lastPostId = idsOf("article.post[id^='bericht-']", "bericht-");
  // What the page was rendered with is at least as new as its cursor: an older copy arriving
  // late (a live event sent before the page was read) must not replace it.
  section.querySelectorAll("article.post[id^='bericht-']").forEach(function (element) {
    var id = parseInt(element.id.slice("bericht-".length), 10);
    if (!isNaN(id)) {
      versions[id] = syncVersion;
    }
  });
  var lastEventId = idsOf("li[id^='gebeurtenis-']", "gebeurtenis-");

  function threadList() {
    var list = section.querySelector(":scope > ol.thread");
    if (list) {
      return list;
    }
    list = document.createElement("ol");
    list.className = "thread";
    var empty = section.querySelector("[data-thread-empty]");
    if (empty) {
      empty.hidden = true;
      empty.parentNode.insertBefore(list, empty);
    } else {
      section.querySelector("h2").insertAdjacentElement("afterend", list);
    }
    return list;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();  // rendered and escaped by the server
    return template.content.firstElementChild;
  }

  var notice = null;

  function showNotice() {
    if (notice) {
      return;
    }
    notice = document.createElement("p");
    notice.className = "flash flash--info live-notice";
    notice.setAttribute("role", "status");
    notice.appendChild(document.createTextNode(section.getAttribute("data-live-notice") + " "));
    var link = document.createElement("a");
    link.className = "utrecht-link";
    link.href = window.location.pathname + window.location.search;
    link.textContent = section.getAttribute("data-live-reload");
    notice.appendChild(link);
    section.querySelector("h2").insertAdjacentElement("afterend", notice);
  }

  function insertPost(id, parentId, html) {
    if (document.getElementById("bericht-" + id)) {
      return false;
    }
    var item = fragment(html);
    var parent = parentId ? document.getElementById("bericht-" + parentId) : null;
    if (parent) {
      var replies = parent.querySelector(":scope > ol.thread--replies");
      if (!replies) {
        replies = document.createElement("ol");
        replies.className = "thread thread--replies";
        parent.appendChild(replies);
      }
      replies.appendChild(item);
    } else {
      threadList().appendChild(item);
    }
    lastPostId = Math.max(lastPostId, id);
    return true;
  }

  function shown(article) {
    var text = article.querySelector(":scope > .rich-text");
    var header = article.querySelector(":scope > header");
    return (text ? text.innerHTML : "") + "\n" + (header ? header.textContent : "");
  }

  // Replace a post's text and header; return whether anything a reader sees changed.
  function updatePost(id, html) {
    var old = document.getElementById("bericht-" + id);
    if (!old) {
      return false;
    }
    var updated = fragment(html).querySelector("article");
    if (shown(old) === shown(updated)) {
      return false;
    }
    // Keep this person's own controls and the replies already on the page.
    var oldActions = old.querySelector(":scope > .post__actions");
    var newActions = updated.querySelector(":scope > .post__actions");
    if (oldActions && newActions) {
      newActions.replaceWith(oldActions);
    }
    var replies = old.querySelector(":scope > ol.thread--replies");
    if (replies) {
      updated.appendChild(replies);
    }
    old.replaceWith(updated);
    return true;
  }

  function insertEvent(html) {
    var item = fragment(html);
    var id = parseInt(item.getAttribute("data-event-id"), 10);
    if (document.getElementById(item.id)) {
      return;
    }
    threadList().appendChild(item);
    lastEventId = Math.max(lastEventId, id || 0);
  }

  // Apply a post's version once: return false when the page already has this version or a newer one.
  function fresh(id, version) {
    if (typeof version !== "number") {
      return true;
    }
    if (versions[id] !== undefined && versions[id] >= version) {
      return false;
    }
    versions[id] = version;
    return true;
  }

  function withdraw(id) {
    var post = document.getElementById("bericht-" + id);
    if (post) {
      post.parentNode.removeChild(post);
    }
  }

  function catchUp() {
    var url = feedUrl + "?sinds_versie=" + encodeURIComponent(syncVersion) +
      "&na_gebeurtenis=" + encodeURIComponent(lastEventId);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("thread feed " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        var changed = false;
        syncVersion = Math.max(syncVersion, data.sync_version);
        data.posts.forEach(function (post) {
          // New to this page, or released, edited or redacted while it was away.
          if (fresh(post.id, post.version)) {
            changed = insertPost(post.id, post.parent_id, post.html) || updatePost(post.id, post.html) || changed;
          }
        });
        data.withdrawn.forEach(function (post) {
          if (fresh(post.id, post.version)) {
            withdraw(post.id);
          }
        });
        data.events.forEach(function (event) {
          insertEvent(event.html);
          changed = true;
        });
        if (changed) {
          showNotice();
        }
      })
      .catch(function () {
        // The question may no longer be visible (404), or the network is down:
        // a reload shows the truth.
        showNotice();
      });
  }

  function mine(payload) {
    return payload && payload.question_id === questionId;
  }

  live.on("post_published", function (payload) {
    if (!mine(payload) || !fresh(payload.post_id, payload.version)) {
      return;
    }
    var item = fragment(payload.html);
    var parentId = parseInt(item.getAttribute("data-parent-id"), 10) || null;
    if (insertPost(payload.post_id, parentId, payload.html)) {
      showNotice();
    }
  });
  live.on("post_updated", function (payload) {
    if (mine(payload) && fresh(payload.post_id, payload.version)) {
      updatePost(payload.post_id, payload.html);
    }
  });
  live.on("post_withdrawn", function (payload) {
    if (mine(payload) && fresh(payload.post_id, payload.version)) {
      withdraw(payload.post_id);
    }
  });
  live.on("thread_event", function (payload) {
    if (mine(payload)) {
      insertEvent(payload.html);
      showNotice();
    }
  });
  live.on("question_changed", function (payload) {
    if (!mine(payload)) {
      return;
    }
    showNotice();
    // The server empties the room after this event: join again (access is checked again).
    window.setTimeout(join, 500);
  });

  function join() {
    return live.join("question", questionId).then(function (ok) {
      if (ok) {
        section.setAttribute("data-live-joined", "true");
        return catchUp();
      }
      section.setAttribute("data-live-joined", "false");
      showNotice();
      return null;
    });
  }

  // Called by notifications.js after a reconnect, once every room is joined again.
  live.onReconnect(catchUp);
  if (live.socket.connected) {
    join();
  } else {
    live.socket.once("connect", join);
  }
})();
