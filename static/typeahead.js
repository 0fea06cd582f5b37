// The candidate typeahead (templates/interviews/_candidate_typeahead.html), an ARIA 1.2 combobox:
// htmx swaps in the listbox as one types; the arrow keys move through it, Enter or a click
// chooses, Escape closes. Choosing fills the hidden candidate_id; typing again empties it, so a
// changed name is never booked under the earlier choice.
(function () {
  "use strict";

  function parts(element) {
    var box = element.closest("[data-typeahead]");
    if (!box) return null;
    return {
      input: box.querySelector("[role=combobox]"),
      value: box.querySelector("[data-typeahead-value]"),
      list: box.querySelector("[role=listbox]"),
    };
  }

  function choices(list) {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]:not([aria-disabled=true])"));
  }

  function show(typeahead, open) {
    typeahead.list.hidden = !open;
    typeahead.input.setAttribute("aria-expanded", String(open));
    if (!open) typeahead.input.removeAttribute("aria-activedescendant");
  }

  function activate(typeahead, option) {
    choices(typeahead.list).forEach(function (each) { each.setAttribute("aria-selected", String(each === option)); });
    typeahead.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  }

  function choose(typeahead, option) {
    typeahead.input.value = option.dataset.label;
    typeahead.value.value = option.dataset.value;
    show(typeahead, false);
  }

  document.addEventListener("htmx:load", function (event) {
    var list = event.detail.elt;
    if (!list.matches || !list.matches("[data-typeahead] [role=listbox]")) return;
    show(parts(list), !list.hidden);
  });

  document.addEventListener("input", function (event) {
    var typeahead = event.target.matches("[data-typeahead] [role=combobox]") && parts(event.target);
    if (typeahead) typeahead.value.value = "";
  });

  document.addEventListener("keydown", function (event) {
    var typeahead = event.target.matches("[data-typeahead] [role=combobox]") && parts(event.target);
    if (!typeahead) return;
    var options = choices(typeahead.list);
    var current = options.indexOf(typeahead.list.querySelector("[aria-selected=true]"));
    if ((event.key === "ArrowDown" || event.key === "ArrowUp") && options.length) {
      event.preventDefault();
      show(typeahead, true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(typeahead, options[(current + step + options.length) % options.length] || options[0]);
    } else if (event.key === "Enter" && !typeahead.list.hidden && current >= 0) {
      event.preventDefault();
      choose(typeahead, options[current]);
    } else if (event.key === "Escape" && !typeahead.list.hidden) {
      event.preventDefault();  // closes the list, not the dialog around it
      show(typeahead, false);
    }
  });

  // mousedown keeps the focus in the input, so its focusout does not close the list before the click.
  document.addEventListener("mousedown", function (event) {
    if (event.target.closest("[data-typeahead] [role=option]")) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-typeahead] [role=option]:not([aria-disabled=true])");
    if (option) choose(parts(option), option);
  });
  document.addEventListener("focusout", function (event) {
    var typeahead = event.target.matches("[data-typeahead] [role=combobox]") && parts(event.target);
    if (typeahead) show(typeahead, false);
  });
})();
