(function () {
  "use strict";
  // The page reads without this script (links jump to the sentence, :target lights it up);
  // with it, a check lights up its sentence in both columns, and a sentence its counterpart.
  var all = function (selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  };
  var only = function (cls, elements) {
    all("." + cls).forEach(function (el) { el.classList.remove(cls); });
    elements.forEach(function (el) { el.classList.add(cls); });
  };
  var partners = function (sentence) {
    var pair = sentence && sentence.getAttribute("data-s");
    return pair === null || pair === undefined
      ? (sentence ? [sentence] : [])
      : all('.s[data-s="' + pair + '"]');
  };

  all(".check > a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      event.preventDefault();
      var n = link.getAttribute("data-n");
      only("active", partners(target)
        .concat(all('mark[data-check="' + n + '"]'))
        .concat([link.parentNode]));
      target.scrollIntoView({ block: "center", behavior: "smooth" });
      try { history.replaceState(null, "", "#" + target.id); } catch (e) { /* file: URLs */ }
    });
  });

  all("mark[data-check]").forEach(function (mark) {
    mark.addEventListener("click", function () {
      var item = document.getElementById("check-" + mark.getAttribute("data-check"));
      if (!item) { return; }
      only("active", [item]);
      item.scrollIntoView({ block: "center", behavior: "smooth" });
    });
  });

  var text = document.querySelector(".text.two");
  if (text) {
    text.addEventListener("mouseover", function (event) {
      var sentence = event.target.closest ? event.target.closest(".s") : null;
      only("pair", sentence ? partners(sentence) : []);
    });
    text.addEventListener("mouseleave", function () { only("pair", []); });
  }
})();
