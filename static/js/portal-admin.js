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

  // The widgets' own texts in the page's language (from #widget-texts-data, see
  // portal/i18n.py widget_texts): moment.js month and day names with the first day of the
  // week, which the date pickers read; the pickers' buttons; select2's messages. Run at DOM
  // ready before Flask-Admin's form.js (registered later) builds the widgets.
  function localiseWidgets() {
    var block = document.getElementById("widget-texts-data");
    if (!block || !window.jQuery) {
      return;
    }
    var texts = JSON.parse(block.dataset.texts);
    var $ = window.jQuery;
    if (window.moment) {
      window.moment.defineLocale("portal-" + texts.locale, {
        months: texts.months,
        monthsShort: texts.monthsShort,
        weekdays: texts.weekdays,
        weekdaysShort: texts.weekdaysShort,
        weekdaysMin: texts.weekdaysMin,
        week: { dow: texts.firstDay, doy: 4 }
      });
      window.moment.locale("portal-" + texts.locale);
    }
    if ($.fn.daterangepicker) {
      var picker = $.fn.daterangepicker;
      $.fn.daterangepicker = function (options, callback) {
        var locale = {
          applyLabel: texts.apply,
          cancelLabel: texts.cancel,
          fromLabel: texts.from,
          toLabel: texts.to,
          weekLabel: texts.week,
          daysOfWeek: texts.weekdaysMin,
          monthNames: texts.monthsShort,
          firstDay: texts.firstDay
        };
        var merged = $.extend({}, options, { locale: $.extend(locale, (options || {}).locale) });
        return picker.call(this, merged, callback);
      };
    }
    if ($.fn.select2) {
      var count = function (template, n) { return template.replace("{n}", n); };
      $.extend($.fn.select2.defaults, {
        formatNoMatches: function () { return texts.noMatches; },
        formatSearching: function () { return texts.searching; },
        formatLoadMore: function () { return texts.loadMore; },
        formatAjaxError: function () { return texts.ajaxError; },
        formatInputTooShort: function (input, min) { return count(texts.inputTooShort, min - input.length); },
        formatInputTooLong: function (input, max) { return count(texts.inputTooLong, input.length - max); },
        formatSelectionTooBig: function (limit) { return count(texts.selectionTooBig, limit); }
      });
    }
  }

  if (window.jQuery) {
    window.jQuery(localiseWidgets);
  }
})();
