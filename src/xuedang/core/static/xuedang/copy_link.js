/* "复制链接 / Copy link" on the student's reports page (templates/reports/student_reports.html). */
document.querySelectorAll(".copy-link").forEach(function (button) {
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(button.dataset.url).then(function () { button.textContent = "已复制 / copied"; });
  });
});
