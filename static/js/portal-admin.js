/* The staff portal's behaviour that Flask-Admin writes as inline handlers.
 *
 * The Content-Security-Policy runs no inline script, so the overridden templates under
 * templates/admin/ carry data-portal-* attributes instead, read here by one delegated listener:
 *   data-portal-action="NAME"       run the list's bulk action NAME on the checked rows
 *   data-portal-confirm="QUESTION"  ask first; "no" cancels the click (e.g. a delete button)
 *   data-portal-add-inline="ID"     add a row to the inline form ID
 *   data-portal-inert               a link that only triggers scripts: never follow it
 * Dropdown toggles are never followed either (Flask-Admin's multi-level dropdown script stops
 * the click before Bootstrap would prevent it), nor are the links left as href="javascript:..."
 * in the Flask-Admin templates we do not override (tabs, pager): the policy would refuse them.
 */
(function () {
  "use strict";

  var SELECTOR = [
    "[data-portal-action]",
    "[data-portal-confirm]",
    "[data-portal-add-inline]",
    "[data-portal-inert]",
    '[data-toggle="dropdown"]',
    'a[href^="javascript:"]'
  ].join(",");

  function onClick(event) {
    var element = event.target.closest(SELECTOR);
    if (!element) {
      return;
    }
    var data = element.dataset;
    if (data.portalConfirm !== undefined) {
      if (!window.confirm(data.portalConfirm)) {
        event.preventDefault();
      }
      return;
    }
    event.preventDefault();
    if (data.portalAction !== undefined) {
      window.modelActions.execute(data.portalAction);
    } else if (data.portalAddInline !== undefined) {
      window.faForm.addInlineField(element, data.portalAddInline);
    }
  }

  // Capture phase: runs before Bootstrap's and Flask-Admin's own listeners, which may stop the
  // event from bubbling.
  document.addEventListener("click", onClick, true);
})();
