// The console's only script: live queue counts, the live chat view, canned-response insertion.
// Text from citizens is always put in with textContent, never as HTML.
(() => {
  "use strict";
  const counts = document.getElementById("counts");
  if (counts) {
    const seen = {};
    counts.querySelectorAll("[data-count]").forEach((el) => { seen[el.dataset.count] = el.textContent.trim(); });
    const poll = async () => {
      try {
        const response = await fetch(counts.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}});
        if (!response.ok) return;
        const data = await response.json();
        let changed = false;
        counts.querySelectorAll("[data-count]").forEach((el) => {
          const value = String(data[el.dataset.count] ?? "");
          if (value !== seen[el.dataset.count]) changed = true;
          el.textContent = value;
        });
        if (changed) document.getElementById("queue-changed").hidden = false;
      } catch (_error) { /* offline for a moment: the next poll tries again */ }
    };
    setInterval(poll, 5000);
  }

  const chat = document.getElementById("chat");
  if (chat) {
    let shown = chat.children.length;
    const poll = async () => {
      try {
        const response = await fetch(chat.dataset.url, {credentials: "same-origin", headers: {Accept: "application/json"}});
        if (!response.ok) return;
        const lines = await response.json();
        for (const line of lines.slice(shown)) {
          const item = document.createElement("li");
          item.className = "msg " + (line.direction === "in" ? "in" : "out");
          const meta = document.createElement("span");
          meta.className = "meta";
          const who = line.direction === "in" ? chat.dataset.citizen : (line.author === "bot" ? chat.dataset.bot : line.author);
          meta.textContent = who + " · " + new Date(line.at).toLocaleString();
          const text = document.createElement("p");
          text.className = "citizen";
          text.textContent = line.text;
          item.append(meta, text);
          chat.appendChild(item);
        }
        if (lines.length > shown) chat.scrollTop = chat.scrollHeight;
        shown = Math.max(shown, lines.length);
      } catch (_error) { /* the next poll tries again */ }
    };
    chat.scrollTop = chat.scrollHeight;
    setInterval(poll, 3000);
  }

  document.querySelectorAll("button.canned-insert").forEach((button) => {
    button.addEventListener("click", () => {
      const select = document.getElementById(button.dataset.select);
      const target = document.getElementById(button.dataset.target || select.dataset.target || "reply-text");
      if (!select || !target) return;
      target.value = target.value ? target.value + "\n" + select.value : select.value;
      target.focus();
    });
  });
})();
