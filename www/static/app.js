/* bucketlist landing page: loads /buckets with fetch and shows the HTML
 * fragment the worker returns. Works under a strict CSP (this file only, no
 * inline script or style); without JavaScript the link opens /buckets. */
(function () {
  "use strict";

  var TIMEOUT_MS = 65000; // a little over nginx's fastcgi_read_timeout (60 s)
  var ALLOWED = { UL: 1, OL: 1, LI: 1, SPAN: 1, TIME: 1, P: 1, DIV: 1, STRONG: 1, EM: 1, CODE: 1, SMALL: 1 };
  var ALLOWED_ATTRS = { "class": 1, "datetime": 1, "role": 1, "title": 1, "lang": 1 };

  var link = document.getElementById("load-buckets");
  var result = document.getElementById("result");
  var status = document.getElementById("status");
  if (!link || !result || !status || !window.fetch || !window.DOMParser) {
    return; // the plain link still works
  }
  var busy = false;

  /* Copies only known elements and attributes from the parsed fragment:
   * the worker escapes everything, this is defence in depth. */
  function cleanCopy(node) {
    if (node.nodeType === 3) {
      return document.createTextNode(node.nodeValue);
    }
    if (node.nodeType !== 1) {
      return null;
    }
    var out;
    if (ALLOWED[node.nodeName]) {
      out = document.createElement(node.nodeName.toLowerCase());
      for (var i = 0; i < node.attributes.length; i++) {
        var a = node.attributes[i];
        if (ALLOWED_ATTRS[a.name]) {
          out.setAttribute(a.name, a.value);
        }
      }
    } else {
      out = document.createDocumentFragment();
    }
    for (var c = node.firstChild; c; c = c.nextSibling) {
      var copy = cleanCopy(c);
      if (copy) {
        out.appendChild(copy);
      }
    }
    return out;
  }

  function parseFragment(html) {
    var doc = new DOMParser().parseFromString("<!doctype html><body>" + html, "text/html");
    var frag = document.createDocumentFragment();
    for (var c = doc.body.firstChild; c; c = c.nextSibling) {
      var copy = cleanCopy(c);
      if (copy) {
        frag.appendChild(copy);
      }
    }
    return frag;
  }

  function setBusy(on) {
    busy = on;
    result.setAttribute("aria-busy", on ? "true" : "false");
    link.setAttribute("aria-disabled", on ? "true" : "false");
    link.classList.toggle("is-busy", on);
    status.classList.toggle("loading", on);
    status.textContent = on ? "Loading buckets\u2026" : "";
  }

  function showError(message, detailFragment) {
    result.textContent = "";
    if (detailFragment && detailFragment.querySelector && detailFragment.querySelector(".error")) {
      result.appendChild(detailFragment);
    } else {
      var box = document.createElement("div");
      box.className = "error";
      box.setAttribute("role", "alert");
      var p = document.createElement("p");
      p.textContent = message;
      box.appendChild(p);
      result.appendChild(box);
    }
    result.classList.add("has-error");
  }

  function load(event) {
    if (event) {
      event.preventDefault();
    }
    if (busy) {
      return;
    }
    setBusy(true);
    result.classList.remove("has-error");
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;

    fetch(link.getAttribute("href") || "/buckets", {
      method: "GET",
      headers: { "Accept": "text/html" },
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (body) {
        return { response: response, type: type, body: body };
      });
    }).then(function (r) {
      var isHtml = r.type.indexOf("text/html") === 0;
      if (r.response.ok && isHtml) {
        result.textContent = "";
        result.appendChild(parseFragment(r.body));
        result.focus({ preventScroll: true });
        return;
      }
      if (isHtml && r.body) {
        showError("", parseFragment(r.body));
        return;
      }
      var message = "The server answered " + r.response.status + " " + (r.response.statusText || "") + ".";
      if (r.type.indexOf("application/json") === 0) {
        try {
          var j = JSON.parse(r.body);
          if (j && typeof j.error === "string") {
            message = j.error;
          }
        } catch (e) { /* keep the generic message */ }
      }
      showError(message);
    }).catch(function (err) {
      var aborted = err && err.name === "AbortError";
      showError(aborted
        ? "The server took too long to answer. Try again in a moment."
        : "Could not reach the server: " + (err && err.message ? err.message : "network error") +
          ". Check your connection and try again.");
    }).then(function () {
      if (timer) {
        clearTimeout(timer);
      }
      setBusy(false);
    });
  }

  link.addEventListener("click", load);
}());
