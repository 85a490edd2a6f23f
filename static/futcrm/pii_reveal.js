// S9: reveal a masked ID or phone number on demand; the server checks the permission and logs every reveal. Beyond
// the hourly limit the server asks for a reason (429, code reason_required): the person gives it, or nothing is shown.
async function revealOnce(button, purpose) {
  const csrf = document.querySelector("[name=csrfmiddlewaretoken]")?.value
    || (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const body = new URLSearchParams(purpose ? {purpose: purpose} : {});
  const response = await fetch(button.dataset.revealUrl, {
    method: "POST", headers: {"X-CSRFToken": csrf}, credentials: "same-origin", body: body,
  });
  return {response: response, answer: await response.json()};
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.pii-reveal");
  if (!button) return;
  event.preventDefault();
  let {response, answer} = await revealOnce(button, "");
  if (response.status === 429 && answer.code === "reason_required") {
    const reason = window.prompt(answer.error);
    if (reason) ({response, answer} = await revealOnce(button, reason));
  }
  const target = button.previousElementSibling;
  if (response.ok && target) {
    target.textContent = answer.value;
    button.remove();
  } else {
    button.textContent = answer.error || response.statusText;
    button.disabled = true;
  }
});
