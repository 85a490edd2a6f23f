// S9: reveal a masked ID or phone number on demand; the server checks the permission and logs every reveal.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.pii-reveal");
  if (!button) return;
  event.preventDefault();
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]")?.value
    || (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const response = await fetch(button.dataset.revealUrl, {
    method: "POST", headers: {"X-CSRFToken": csrf}, credentials: "same-origin",
  });
  const answer = await response.json();
  const target = button.previousElementSibling;
  if (response.ok && target) {
    target.textContent = answer.value;
    button.remove();
  } else {
    button.textContent = answer.error || response.statusText;
    button.disabled = true;
  }
});
