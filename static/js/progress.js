/* Status changes sent with htmx (learnpaths.path_data.progress_form).
 *
 * After a change, focus moves to the step's status line and a live region announces it
 * ("Marked done: <title>"), so that focus no longer rests on a button whose meaning just
 * changed. A change that fails (an error answer, no connection) says so by the form, with a
 * way to retry, and is announced; the page's state stays as it was. A file, not an inline
 * script: the Content-Security-Policy allows scripts from this origin only. The sentences come
 * translated from the script tag's data-* attributes (templates/base.html).
 */
(function () {
  "use strict";

  var text = document.currentScript.dataset;
  var ERROR_CLASS = "request-error";

  function region(politeness) {
    var element = document.createElement("div");
    element.className = "visually-hidden";
    element.setAttribute("aria-live", politeness);
    element.setAttribute("aria-atomic", "true");
    document.body.appendChild(element);
    return element;
  }

  // Present from the start: screen readers announce changes to an existing live region.
  var statusRegion = region("polite");
  var alertRegion = region("assertive");

  function announce(element, message) {
    element.textContent = "";
    // A moment apart, so that the same sentence twice is announced twice.
    window.setTimeout(function () {
      element.textContent = message;
    }, 50);
  }

  function clearError(form) {
    var next = form.nextElementSibling;
    if (next && next.classList.contains(ERROR_CLASS)) {
      next.remove();
    }
  }

  function showError(form, message, action, label) {
    clearError(form);
    var box = document.createElement("div");
    box.className = ERROR_CLASS;
    var sentence = document.createElement("p");
    sentence.textContent = message;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button-small";
    button.textContent = label;
    button.addEventListener("click", action);
    box.append(sentence, button);
    form.after(box);
    announce(alertRegion, message);
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var swapped = event.target;
    var changed = swapped.matches("[data-announce]")
      ? swapped
      : swapped.querySelector("[data-announce]");
    if (!changed) {
      return;
    }
    changed.focus();
    announce(statusRegion, changed.dataset.announce);
    changed.removeAttribute("data-announce");
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    clearError(event.detail.elt);
  });

  function failed(event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    if (status === 403) {
      // The page's CSRF token no longer holds: only a reload gives a new one. The server's
      // answer (learnpaths.views.csrf_failure) says so in plain text.
      var type = xhr.getResponseHeader("Content-Type") || "";
      var message = type.indexOf("text/plain") === 0 ? xhr.responseText : text.stale;
      showError(form, message, function () {
        window.location.reload();
      }, text.reload);
      return;
    }
    var submitter = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent
      ? event.detail.requestConfig.triggeringEvent.submitter
      : null;
    showError(form, status ? text.failed : text.offline, function () {
      // The same button again: a click, which htmx sees as it saw the first one.
      if (submitter && submitter.isConnected) {
        submitter.click();
      } else {
        htmx.trigger(form, "submit");
      }
    }, text.retry);
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
})();
