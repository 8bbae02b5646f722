/* Ticks the password rules (#password-rules) as a new password is typed (templates/accounts/form.html). */
(function () {
  var pw = document.querySelectorAll('input[autocomplete="new-password"]');
  if (!pw.length) { return; }
  var rules = document.getElementById("password-rules");
  if (!rules) { return; }
  function check() {
    var a = pw[0].value, b = pw.length > 1 ? pw[1].value : a;
    var ok = {
      length: a.length >= 8,
      mix: a.length > 0 && !/^\d+$/.test(a),
      kinds: /[A-Za-z]/.test(a) && /\d/.test(a),
      match: a.length > 0 && a === b
    };
    rules.querySelectorAll("li").forEach(function (li) { li.classList.toggle("ok", !!ok[li.dataset.rule]); });
  }
  pw.forEach(function (i) { i.setAttribute("aria-describedby", "password-rules"); i.addEventListener("input", check); });
  check();
})();
