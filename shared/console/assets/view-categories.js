// (Sub)categories: the tree (GET /categories/tree) that expands and
// collapses; a detail panel to add or edit a category with its name,
// description and thumbnail (an uploaded image with a progress bar, or an
// https link); each category's options: edit, add a subcategory, move up or
// down among its siblings (also Alt+↑/↓ on its name), move under another
// parent, delete after a question that explains a cascade.
import * as api from "./api.js";
import { t, plural, addStrings, formatDate, formatNumber } from "./i18n.js";
import { h, field, textarea, nextId, showAlert, saveFailed, failure, toast, openDialog, dialogShell, confirmDialog, setBusy, clearFieldErrors, setFieldError, rowMenu, facts, focusInRows } from "./ui.js";
import { flatten, moveTargets, siblingMove, subtreeSize, isHttpsURL } from "./state.js";

addStrings({
  en: {
    "cat.title": "(Sub)categories",
    "cat.add": "Add category",
    "cat.addSub": "Add subcategory",
    "cat.addTitle": "Add a category",
    "cat.addSubTitle": "Add a subcategory of {name}",
    "cat.editTitle": "Edit {name}",
    "cat.viewTitle": "Category {name}",
    "cat.intro": "Categories in their order; a category's options edit, move or delete it. On a category's name, Alt+↑ and Alt+↓ move it among its siblings.",
    "cat.empty": "There are no categories yet.",
    "cat.expand": "Show the subcategories of {name}",
    "cat.collapse": "Hide the subcategories of {name}",
    "cat.expandAll": "Expand all",
    "cat.collapseAll": "Collapse all",
    "cat.children": "{n} subcategories",
    "cat.children.one": "1 subcategory",
    "cat.count": "{n} categories",
    "cat.count.one": "1 category",
    "cat.childCount": "Subcategories",
    "cat.view": "View",
    "cat.under": "Under",
    "cat.topLevel": "Top level",
    "cat.slug": "In addresses",
    "cat.createdAt": "Created",
    "cat.updated": "Changed",
    "cat.nameHint": "Unique among its siblings.",
    "cat.thumbnail": "Thumbnail",
    "cat.thumb.keep": "Keep the current thumbnail",
    "cat.thumb.none": "No thumbnail",
    "cat.thumb.file": "Upload an image",
    "cat.thumb.url": "Link to an image elsewhere (https)",
    "cat.thumb.fileLabel": "Image file",
    "cat.thumb.fileHint": "PNG, JPEG or WebP, at most 2 MB.",
    "cat.thumb.urlLabel": "Image address",
    "cat.thumb.urlHint": "Starts with https://",
    "cat.thumb.current": "Current thumbnail",
    "cat.thumb.external": "An image elsewhere: {url}",
    "cat.thumb.externalNote": "Images on other sites are linked, not shown here.",
    "cat.thumb.alt": "Thumbnail of {name}",
    "cat.thumb.noneYet": "None",
    "cat.thumb.badType": "Choose a PNG, JPEG or WebP image.",
    "cat.thumb.tooBig": "This image is {size}: at most 2 MB fits.",
    "cat.thumb.pickFile": "Choose an image file.",
    "cat.thumb.badUrl": "Enter an address that starts with https://",
    "cat.upload.progress": "Uploading the thumbnail",
    "cat.upload.sending": "Uploading the thumbnail: {percent}%",
    "cat.upload.processing": "Uploaded. The category shows it as soon as it is processed…",
    "cat.upload.done": "The new thumbnail is live.",
    "cat.upload.slow": "The image was uploaded but is not shown yet. Look again in a minute.",
    "cat.upload.failed": "The upload failed (status {status}). The category keeps its thumbnail; try again.",
    "cat.upload.network": "The upload could not reach the storage. Check your connection and try again.",
    "cat.saved": "{name} has been saved.",
    "cat.added": "{name} has been added.",
    "cat.savedUploading": "{name} has been saved; the thumbnail is uploading.",
    "cat.moveUp": "Move up",
    "cat.moveDown": "Move down",
    "cat.moveTo": "Move to another parent…",
    "cat.moveTitle": "Move {name}",
    "cat.moveIntro": "{name} moves with its subcategories, to the end of the new parent's subcategories.",
    "cat.moveParent": "New parent",
    "cat.moveSubmit": "Move",
    "cat.moved": "{name} moved.",
    "cat.movedUp": "{name} moved up.",
    "cat.movedDown": "{name} moved down.",
    "cat.atTop": "{name} is already the first.",
    "cat.atBottom": "{name} is already the last.",
    "cat.deleteTitle": "Delete {name}?",
    "cat.deleteText": "{name} is deleted for good, with its thumbnail. This can not be undone.",
    "cat.deleteCascade": "{name} has {n} subcategories ({names}). Deleting {name} deletes all of them too, with their thumbnails. This can not be undone.",
    "cat.deleteCascadeLabel": "Delete {name} and {n} subcategories",
    "cat.deleteCascade.one": "{name} has a subcategory ({names}). Deleting {name} deletes it too, with its thumbnail. This can not be undone.",
    "cat.deleteCascadeLabel.one": "Delete {name} and its subcategory",
    "cat.deleted": "{name} has been deleted.",
    "cat.gotChildren": "{name} got subcategories in the meantime; the list shows them now. Delete again to delete them too."
  },
  nl: {
    "cat.title": "(Sub)categorieën",
    "cat.add": "Categorie toevoegen",
    "cat.addSub": "Subcategorie toevoegen",
    "cat.addTitle": "Categorie toevoegen",
    "cat.addSubTitle": "Subcategorie van {name} toevoegen",
    "cat.editTitle": "{name} bewerken",
    "cat.viewTitle": "Categorie {name}",
    "cat.intro": "Categorieën in hun volgorde; de opties van een categorie bewerken, verplaatsen of verwijderen haar. Op de naam van een categorie verplaatsen Alt+↑ en Alt+↓ haar tussen haar buren.",
    "cat.empty": "Er zijn nog geen categorieën.",
    "cat.expand": "Subcategorieën van {name} tonen",
    "cat.collapse": "Subcategorieën van {name} verbergen",
    "cat.expandAll": "Alles openklappen",
    "cat.collapseAll": "Alles dichtklappen",
    "cat.children": "{n} subcategorieën",
    "cat.children.one": "1 subcategorie",
    "cat.count": "{n} categorieën",
    "cat.count.one": "1 categorie",
    "cat.childCount": "Subcategorieën",
    "cat.view": "Bekijken",
    "cat.under": "Onder",
    "cat.topLevel": "Hoofdniveau",
    "cat.slug": "In adressen",
    "cat.createdAt": "Aangemaakt",
    "cat.updated": "Gewijzigd",
    "cat.nameHint": "Uniek onder haar buren.",
    "cat.thumbnail": "Miniatuur",
    "cat.thumb.keep": "De huidige miniatuur houden",
    "cat.thumb.none": "Geen miniatuur",
    "cat.thumb.file": "Een afbeelding uploaden",
    "cat.thumb.url": "Link naar een afbeelding elders (https)",
    "cat.thumb.fileLabel": "Afbeeldingsbestand",
    "cat.thumb.fileHint": "PNG, JPEG of WebP, maximaal 2 MB.",
    "cat.thumb.urlLabel": "Adres van de afbeelding",
    "cat.thumb.urlHint": "Begint met https://",
    "cat.thumb.current": "Huidige miniatuur",
    "cat.thumb.external": "Een afbeelding elders: {url}",
    "cat.thumb.externalNote": "Afbeeldingen op andere sites worden gelinkt, niet hier getoond.",
    "cat.thumb.alt": "Miniatuur van {name}",
    "cat.thumb.noneYet": "Geen",
    "cat.thumb.badType": "Kies een PNG-, JPEG- of WebP-afbeelding.",
    "cat.thumb.tooBig": "Deze afbeelding is {size}: maximaal 2 MB past.",
    "cat.thumb.pickFile": "Kies een afbeeldingsbestand.",
    "cat.thumb.badUrl": "Vul een adres in dat met https:// begint.",
    "cat.upload.progress": "Miniatuur uploaden",
    "cat.upload.sending": "Miniatuur uploaden: {percent}%",
    "cat.upload.processing": "Geüpload. De categorie toont hem zodra hij verwerkt is…",
    "cat.upload.done": "De nieuwe miniatuur staat online.",
    "cat.upload.slow": "De afbeelding is geüpload maar wordt nog niet getoond. Kijk over een minuut nog eens.",
    "cat.upload.failed": "Het uploaden is mislukt (status {status}). De categorie houdt haar miniatuur; probeer het opnieuw.",
    "cat.upload.network": "Het uploaden bereikte de opslag niet. Controleer je verbinding en probeer het opnieuw.",
    "cat.saved": "{name} is opgeslagen.",
    "cat.added": "{name} is toegevoegd.",
    "cat.savedUploading": "{name} is opgeslagen; de miniatuur wordt geüpload.",
    "cat.moveUp": "Omhoog",
    "cat.moveDown": "Omlaag",
    "cat.moveTo": "Naar een andere bovencategorie…",
    "cat.moveTitle": "{name} verplaatsen",
    "cat.moveIntro": "{name} verhuist met haar subcategorieën, achteraan onder de nieuwe bovencategorie.",
    "cat.moveParent": "Nieuwe bovencategorie",
    "cat.moveSubmit": "Verplaatsen",
    "cat.moved": "{name} is verplaatst.",
    "cat.movedUp": "{name} is omhoog verplaatst.",
    "cat.movedDown": "{name} is omlaag verplaatst.",
    "cat.atTop": "{name} staat al bovenaan.",
    "cat.atBottom": "{name} staat al onderaan.",
    "cat.deleteTitle": "{name} verwijderen?",
    "cat.deleteText": "{name} wordt definitief verwijderd, met haar miniatuur. Dit kan niet ongedaan worden gemaakt.",
    "cat.deleteCascade": "{name} heeft {n} subcategorieën ({names}). Als je {name} verwijdert, worden die allemaal ook verwijderd, met hun miniaturen. Dit kan niet ongedaan worden gemaakt.",
    "cat.deleteCascadeLabel": "{name} en {n} subcategorieën verwijderen",
    "cat.deleteCascade.one": "{name} heeft een subcategorie ({names}). Als je {name} verwijdert, wordt die ook verwijderd, met haar miniatuur. Dit kan niet ongedaan worden gemaakt.",
    "cat.deleteCascadeLabel.one": "{name} en haar subcategorie verwijderen",
    "cat.deleted": "{name} is verwijderd.",
    "cat.gotChildren": "{name} heeft intussen subcategorieën gekregen; de lijst toont ze nu. Verwijder opnieuw om ook die te verwijderen."
  },
  de: {
    "cat.title": "(Unter-)Kategorien",
    "cat.add": "Kategorie hinzufügen",
    "cat.addSub": "Unterkategorie hinzufügen",
    "cat.addTitle": "Kategorie hinzufügen",
    "cat.addSubTitle": "Unterkategorie von {name} hinzufügen",
    "cat.editTitle": "{name} bearbeiten",
    "cat.viewTitle": "Kategorie {name}",
    "cat.intro": "Kategorien in ihrer Reihenfolge; die Optionen einer Kategorie bearbeiten, verschieben oder löschen sie. Auf dem Namen einer Kategorie verschieben Alt+↑ und Alt+↓ sie zwischen ihren Nachbarn.",
    "cat.empty": "Es gibt noch keine Kategorien.",
    "cat.expand": "Unterkategorien von {name} zeigen",
    "cat.collapse": "Unterkategorien von {name} verbergen",
    "cat.expandAll": "Alle aufklappen",
    "cat.collapseAll": "Alle zuklappen",
    "cat.children": "{n} Unterkategorien",
    "cat.children.one": "1 Unterkategorie",
    "cat.count": "{n} Kategorien",
    "cat.count.one": "1 Kategorie",
    "cat.childCount": "Unterkategorien",
    "cat.view": "Ansehen",
    "cat.under": "Unter",
    "cat.topLevel": "Oberste Ebene",
    "cat.slug": "In Adressen",
    "cat.createdAt": "Angelegt",
    "cat.updated": "Geändert",
    "cat.nameHint": "Eindeutig unter ihren Nachbarn.",
    "cat.thumbnail": "Vorschaubild",
    "cat.thumb.keep": "Das aktuelle Vorschaubild behalten",
    "cat.thumb.none": "Kein Vorschaubild",
    "cat.thumb.file": "Ein Bild hochladen",
    "cat.thumb.url": "Link zu einem Bild anderswo (https)",
    "cat.thumb.fileLabel": "Bilddatei",
    "cat.thumb.fileHint": "PNG, JPEG oder WebP, höchstens 2 MB.",
    "cat.thumb.urlLabel": "Adresse des Bildes",
    "cat.thumb.urlHint": "Beginnt mit https://",
    "cat.thumb.current": "Aktuelles Vorschaubild",
    "cat.thumb.external": "Ein Bild anderswo: {url}",
    "cat.thumb.externalNote": "Bilder auf anderen Websites werden verlinkt, nicht hier gezeigt.",
    "cat.thumb.alt": "Vorschaubild von {name}",
    "cat.thumb.noneYet": "Keines",
    "cat.thumb.badType": "Wähle ein PNG-, JPEG- oder WebP-Bild.",
    "cat.thumb.tooBig": "Dieses Bild hat {size}: höchstens 2 MB passen.",
    "cat.thumb.pickFile": "Wähle eine Bilddatei.",
    "cat.thumb.badUrl": "Gib eine Adresse ein, die mit https:// beginnt.",
    "cat.upload.progress": "Vorschaubild wird hochgeladen",
    "cat.upload.sending": "Vorschaubild wird hochgeladen: {percent} %",
    "cat.upload.processing": "Hochgeladen. Die Kategorie zeigt es, sobald es verarbeitet ist…",
    "cat.upload.done": "Das neue Vorschaubild ist online.",
    "cat.upload.slow": "Das Bild ist hochgeladen, wird aber noch nicht gezeigt. Schau in einer Minute noch einmal.",
    "cat.upload.failed": "Das Hochladen ist fehlgeschlagen (Status {status}). Die Kategorie behält ihr Vorschaubild; versuche es noch einmal.",
    "cat.upload.network": "Das Hochladen hat den Speicher nicht erreicht. Prüfe deine Verbindung und versuche es noch einmal.",
    "cat.saved": "{name} wurde gespeichert.",
    "cat.added": "{name} wurde hinzugefügt.",
    "cat.savedUploading": "{name} wurde gespeichert; das Vorschaubild wird hochgeladen.",
    "cat.moveUp": "Nach oben",
    "cat.moveDown": "Nach unten",
    "cat.moveTo": "Unter eine andere Kategorie…",
    "cat.moveTitle": "{name} verschieben",
    "cat.moveIntro": "{name} wird mit ihren Unterkategorien verschoben, ans Ende der Unterkategorien der neuen Oberkategorie.",
    "cat.moveParent": "Neue Oberkategorie",
    "cat.moveSubmit": "Verschieben",
    "cat.moved": "{name} wurde verschoben.",
    "cat.movedUp": "{name} wurde nach oben verschoben.",
    "cat.movedDown": "{name} wurde nach unten verschoben.",
    "cat.atTop": "{name} steht schon ganz oben.",
    "cat.atBottom": "{name} steht schon ganz unten.",
    "cat.deleteTitle": "{name} löschen?",
    "cat.deleteText": "{name} wird endgültig gelöscht, mit ihrem Vorschaubild. Das kann nicht rückgängig gemacht werden.",
    "cat.deleteCascade": "{name} hat {n} Unterkategorien ({names}). Wenn du {name} löschst, werden sie alle mitgelöscht, mit ihren Vorschaubildern. Das kann nicht rückgängig gemacht werden.",
    "cat.deleteCascadeLabel": "{name} und {n} Unterkategorien löschen",
    "cat.deleteCascade.one": "{name} hat eine Unterkategorie ({names}). Wenn du {name} löschst, wird sie mitgelöscht, mit ihrem Vorschaubild. Das kann nicht rückgängig gemacht werden.",
    "cat.deleteCascadeLabel.one": "{name} und ihre Unterkategorie löschen",
    "cat.deleted": "{name} wurde gelöscht.",
    "cat.gotChildren": "{name} hat inzwischen Unterkategorien bekommen; die Liste zeigt sie jetzt. Lösche noch einmal, um auch diese zu löschen."
  }
});

export const MAX_BYTES = 2 * 1024 * 1024;
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
// Headers a browser sets itself: XMLHttpRequest refuses to set them.
const FORBIDDEN = new Set(["content-length", "host", "connection", "accept-encoding", "expect"]);

// imageOrigin is where uploaded thumbnails are served from (the page names
// it; the policy lets images load only from there).
function imageOrigin() {
  const meta = document.querySelector('meta[name="image-origin"]');
  return meta ? meta.content : "";
}

export function isUploaded(url, origin = imageOrigin()) {
  try {
    return !!origin && new URL(url).origin === origin;
  } catch {
    return false;
  }
}

// checkFile says what is wrong with a picked file, "" when it fits.
export function checkFile(file) {
  if (!file) return t("cat.thumb.pickFile");
  if (!IMAGE_TYPES.includes(file.type)) return t("cat.thumb.badType");
  if (file.size > MAX_BYTES) return t("cat.thumb.tooBig", { size: formatNumber(Math.round(file.size / 1024 / 102.4) / 10) + " MB" });
  return "";
}

// putFile sends the image to the presigned URL with exactly the headers the
// API signed (but those the browser sets itself), reporting progress.
export function putFile(upload, file, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || "PUT", upload.uploadUrl);
    for (const [k, v] of Object.entries(upload.headers || {})) {
      if (!FORBIDDEN.has(k.toLowerCase())) xhr.setRequestHeader(k, v);
    }
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => resolve({ ok: xhr.status >= 200 && xhr.status < 300, status: xhr.status }));
    xhr.addEventListener("error", () => resolve({ ok: false, status: 0 }));
    xhr.send(file);
  });
}

// thumbnailView shows a category's thumbnail: the image when it is one of
// ours, a link when it is elsewhere (the policy loads no other images).
function thumbnailView(c, size) {
  if (!c.thumbnailUrl) return null;
  if (isUploaded(c.thumbnailUrl)) {
    return h("img", { class: "thumb", src: c.thumbnailUrl, alt: size === "small" ? "" : t("cat.thumb.alt", { name: c.name }), width: size === "small" ? 40 : 160, height: size === "small" ? 40 : 160, loading: "lazy" });
  }
  if (size === "small") return null;
  return h("p", null, h("a", { href: c.thumbnailUrl, rel: "noopener noreferrer", target: "_blank" }, t("cat.thumb.external", { url: c.thumbnailUrl })),
    h("br"), h("span", { class: "hint" }, t("cat.thumb.externalNote")));
}

let collapsed = new Set(); // ids whose subcategories are hidden (kept between visits)

export async function render(ctx) {
  const { root, can } = ctx;
  const mayManage = can("categories.manage");
  let tree = [];
  let alive = true;

  const alertEl = h("div", { class: "alert", role: "alert", tabindex: "-1" });
  const heading = h("h1", null, t("cat.title"));
  const addButton = mayManage ? h("button", { type: "button", class: "primary", id: "category-add", onclick: () => editPanel(null, null) }, t("cat.add")) : null;
  const countEl = h("p", { class: "hint", role: "status" });
  const list = h("ul", { class: "tree", id: "category-tree", "aria-label": t("cat.title") });
  const expandAll = h("button", { type: "button", class: "secondary", onclick: () => { collapsed = new Set(); draw(); } }, t("cat.expandAll"));
  const collapseAll = h("button", { type: "button", class: "secondary", onclick: () => { collapsed = new Set(flatten(tree).filter((e) => e.node.children.length).map((e) => e.node.id)); draw(); } }, t("cat.collapseAll"));
  root.replaceChildren(h("section", { class: "screen" },
    h("div", { class: "screen-head" }, heading, addButton),
    alertEl,
    h("p", { class: "hint" }, mayManage ? t("cat.intro") : t("readOnly", { perm: t("perm.categories.manage") })),
    h("div", { class: "pager" }, countEl, expandAll, collapseAll),
    h("div", { class: "card tree-wrap" }, list)));

  // Two moves in quick succession load twice: only the latest answer is drawn.
  let loads = 0;
  async function load() {
    const mine = ++loads;
    list.setAttribute("aria-busy", "true");
    const res = await api.get("/categories/tree");
    if (!alive || mine !== loads) return;
    list.setAttribute("aria-busy", "false");
    if (!res.ok) return failure(alertEl, res, { retry: load });
    showAlert(alertEl, "");
    tree = res.data.items;
    draw();
  }

  function draw() {
    const keep = focusInRows(list, ":scope > .node button, :scope > .node a");
    list.replaceChildren(...tree.map((n) => node(n, null, tree)));
    if (!tree.length) list.append(h("li", { class: "empty" }, t("cat.empty")));
    countEl.textContent = plural("cat.count", flatten(tree).length);
    expandAll.hidden = collapseAll.hidden = !tree.some((n) => n.children.length);
    keep(heading);
  }

  function node(c, parent, siblings) {
    const hasKids = c.children.length > 0;
    const open = !collapsed.has(c.id);
    const kids = hasKids ? h("ul", { id: "cat-kids-" + c.id, hidden: !open }, c.children.map((k) => node(k, c, c.children))) : null;
    const toggle = hasKids
      ? h("button", { type: "button", class: "toggle", "aria-expanded": String(open), "aria-controls": "cat-kids-" + c.id, "aria-label": t(open ? "cat.collapse" : "cat.expand", { name: c.name }) }, open ? "▾" : "▸")
      : h("span", { class: "toggle-space", "aria-hidden": "true" });
    if (hasKids) {
      toggle.addEventListener("click", () => {
        const now = kids.hidden;
        kids.hidden = !now;
        toggle.setAttribute("aria-expanded", String(now));
        toggle.setAttribute("aria-label", t(now ? "cat.collapse" : "cat.expand", { name: c.name }));
        toggle.textContent = now ? "▾" : "▸";
        if (now) collapsed.delete(c.id);
        else collapsed.add(c.id);
      });
    }
    const name = h("button", { type: "button", class: "link", onclick: () => editPanel(c.id, parent) }, c.name);
    if (mayManage) {
      name.setAttribute("aria-keyshortcuts", "Alt+ArrowUp Alt+ArrowDown");
      name.addEventListener("keydown", (e) => {
        if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
        e.preventDefault();
        move(c, siblings, e.key === "ArrowUp" ? "up" : "down");
      });
    }
    const entries = [[mayManage ? t("edit") : t("cat.view"), () => editPanel(c.id, parent), "edit"]];
    if (mayManage) {
      entries.push([t("cat.addSub"), () => editPanel(null, c), "add-sub"]);
      const i = siblings.indexOf(c);
      if (i > 0) entries.push([t("cat.moveUp"), () => move(c, siblings, "up"), "up"]);
      if (i < siblings.length - 1) entries.push([t("cat.moveDown"), () => move(c, siblings, "down"), "down"]);
      entries.push([t("cat.moveTo"), () => moveDialog(c), "move"], [t("delete"), () => remove(c), "delete"]);
    }
    return h("li", { dataset: { id: c.id } },
      h("div", { class: "node" }, toggle, thumbnailView(c, "small"), name,
        hasKids ? h("span", { class: "hint" }, plural("cat.children", c.childCount)) : null,
        rowMenu(c.name, entries)),
      kids);
  }

  // --- moving -------------------------------------------------------------------------
  async function move(c, siblings, direction) {
    const body = siblingMove(siblings, c.id, direction);
    if (!body) return toast(t(direction === "up" ? "cat.atTop" : "cat.atBottom", { name: c.name }));
    const res = await api.request("PATCH", `/categories/${c.id}`, { body, headers: api.ifMatch(c.version) });
    if (!res.ok) return failure(alertEl, res, { retry: () => move(c, siblings, direction), reload: load });
    await load();
    toast(t(direction === "up" ? "cat.movedUp" : "cat.movedDown", { name: c.name }));
  }

  function moveDialog(c) {
    const { dialog, body } = dialogShell(t("cat.moveTitle", { name: c.name }));
    dialog.id = "category-move";
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const current = c.parentId || "";
    const options = [{ value: "", label: t("cat.topLevel") }, ...moveTargets(tree, c.id).map((e) => ({ value: e.id, label: e.path.join(" › ") }))];
    const form = h("form", { novalidate: true },
      h("p", null, t("cat.moveIntro", { name: c.name })),
      field({ name: "parentId", label: t("cat.moveParent"), type: "select", value: current, options }));
    const submit = h("button", { type: "submit", class: "primary" }, t("cat.moveSubmit"));
    form.append(h("div", { class: "actions" }, h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, t("cancel")), submit));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const parentId = form.elements.parentId.value;
      if (parentId === current) return dialog.close();
      setBusy(submit, true);
      const res = await api.request("PATCH", `/categories/${c.id}`, { body: { parentId: parentId || null }, headers: api.ifMatch(c.version) });
      setBusy(submit, false);
      if (!res.ok) return saveFailed(form, res, alertBox, { reload: () => { dialog.close(); load(); }, retry: () => form.requestSubmit() });
      if (parentId) collapsed.delete(parentId);
      dialog.close();
      await load();
      toast(t("cat.moved", { name: c.name }));
    });
    body.append(alertBox, form);
    openDialog(dialog);
  }

  // --- deleting ------------------------------------------------------------------------
  async function remove(c) {
    const n = subtreeSize(c);
    const names = flatten(c.children).map((e) => e.node.name);
    const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? ", …" : "");
    const ok = await confirmDialog({
      title: t("cat.deleteTitle", { name: c.name }),
      text: n ? plural("cat.deleteCascade", n, { name: c.name, names: shown }) : t("cat.deleteText", { name: c.name }),
      confirmLabel: n ? plural("cat.deleteCascadeLabel", n, { name: c.name }) : t("delete"),
      danger: true
    });
    if (!ok) return;
    // cascade=true only after the question named what goes with it.
    const res = await api.request("DELETE", `/categories/${c.id}` + (n ? "?cascade=true" : ""), { headers: api.ifMatch(c.version) });
    if (!res.ok) {
      if (res.problem && res.problem.code === "has_children") {
        await load();
        showAlert(alertEl, t("cat.gotChildren", { name: c.name }));
        return alertEl.focus();
      }
      return failure(alertEl, res, { retry: () => remove(c), reload: load });
    }
    await load();
    toast(t("cat.deleted", { name: c.name }));
  }

  // --- the detail panel: add (id null) or edit ------------------------------------------
  async function editPanel(id, parent) {
    let c = null;
    if (id) {
      const res = await api.get(`/categories/${id}`);
      if (!res.ok) return failure(alertEl, res, { retry: () => editPanel(id, parent), reload: load });
      c = res.data;
    }
    const title = !c ? (parent ? t("cat.addSubTitle", { name: parent.name }) : t("cat.addTitle")) : mayManage ? t("cat.editTitle", { name: c.name }) : t("cat.viewTitle", { name: c.name });
    const { dialog, body } = dialogShell(title, { wide: true });
    dialog.id = "category-detail";
    const alertBox = h("div", { class: "alert", role: "alert", tabindex: "-1" });
    const info = h("div");
    const form = h("form", { novalidate: true });
    const submit = h("button", { type: "submit", class: "primary" }, c ? t("save") : t("cat.add"));
    const progress = h("progress", { max: 100, value: 0, id: nextId("progress"), hidden: true });
    const progressText = h("p", { role: "status", class: "upload-status" });
    const preview = h("div", { class: "preview" });
    const key = api.idempotencyKey();
    let choice = "keep";

    const fill = () => {
      const parentName = c ? (parent ? parent.name : t("cat.topLevel")) : parent ? parent.name : t("cat.topLevel");
      info.replaceChildren(facts([
        [t("cat.under"), parentName],
        c ? [t("cat.slug"), c.slug] : null,
        c ? [t("cat.childCount"), formatNumber(c.childCount)] : null,
        c ? [t("cat.createdAt"), formatDate(c.createdAt)] : null,
        c ? [t("cat.updated"), formatDate(c.updatedAt)] : null
      ]));
      if (!mayManage) info.append(h("p", { class: "hint" }, t("readOnly", { perm: t("perm.categories.manage") })));
      preview.replaceChildren(c && c.thumbnailUrl ? thumbnailView(c, "large") : h("p", null, t("cat.thumb.noneYet")));
      choice = c && c.thumbnailUrl ? "keep" : "none";
      form.replaceChildren(
        field({ name: "name", label: t("name") + (mayManage ? " *" : ""), value: c ? c.name : "", required: true, maxlength: 100, readonly: !mayManage, hint: t("cat.nameHint") }),
        textarea({ name: "description", label: t("description"), value: c ? c.description : "", maxlength: 2000, readonly: !mayManage, rows: 3 }),
        thumbnailFields(),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "secondary", onclick: () => dialog.close() }, mayManage ? t("cancel") : t("close")),
          mayManage ? submit : null));
    };

    function thumbnailFields() {
      const set = h("fieldset", { class: "field group", dataset: { field: "thumbnailUrl" } },
        h("legend", null, t("cat.thumbnail")),
        h("p", { class: "label" }, t("cat.thumb.current")), preview,
        h("div", { class: "upload" }, h("label", { for: progress.id, hidden: true, class: "progress-label" }, t("cat.upload.progress")), progress, progressText));
      if (!mayManage) return set;
      const radios = h("div", { class: "choices", role: "radiogroup", "aria-label": t("cat.thumbnail") });
      const fileField = field({ name: "file", label: t("cat.thumb.fileLabel"), type: "file", hint: t("cat.thumb.fileHint") });
      fileField.querySelector("input").accept = IMAGE_TYPES.join(",");
      const urlField = field({ name: "url", label: t("cat.thumb.urlLabel"), type: "url", value: c && c.thumbnailUrl && !isUploaded(c.thumbnailUrl) ? c.thumbnailUrl : "", hint: t("cat.thumb.urlHint"), spellcheck: false, inputmode: "url" });
      const sync = () => {
        fileField.hidden = choice !== "file";
        urlField.hidden = choice !== "url";
      };
      const kinds = [...(c && c.thumbnailUrl ? ["keep"] : []), "none", "file", "url"];
      for (const k of kinds) {
        const rid = nextId("thumb");
        const radio = h("input", { type: "radio", name: "thumb", id: rid, value: k, checked: k === choice });
        radio.addEventListener("change", () => { choice = k; sync(); clearFieldErrors(form); });
        radios.append(h("div", { class: "check" }, radio, h("label", { for: rid }, t("cat.thumb." + k))));
      }
      sync();
      set.append(radios, fileField, urlField, h("p", { class: "error" }));
      return set;
    }

    const reload = async () => {
      const again = await api.get(`/categories/${id}`);
      if (!again.ok) return failure(alertBox, again, { retry: reload });
      c = again.data;
      showAlert(alertBox, "");
      fill();
      form.elements.name.focus();
    };

    // upload asks for a presigned URL, PUTs the file with a progress bar,
    // then waits (briefly) until the category shows the new image.
    async function upload(file) {
      const res = await api.request("POST", `/categories/${c.id}/thumbnail`, { body: { contentType: file.type, contentLength: file.size }, headers: api.ifMatch(c.version) });
      if (!res.ok) return saveFailed(form, res, alertBox, { reload, retry: () => upload(file) });
      const up = res.data;
      progress.hidden = false;
      form.querySelector(".progress-label").hidden = false;
      progress.value = 0;
      const sent = await putFile(up, file, (share) => {
        progress.value = Math.round(share * 100);
        progressText.textContent = t("cat.upload.sending", { percent: Math.round(share * 100) });
      });
      if (!sent.ok) {
        progress.hidden = true;
        showAlert(alertBox, sent.status ? t("cat.upload.failed", { status: sent.status }) : t("cat.upload.network"), [], [{ label: t("retry"), run: () => upload(file) }]);
        return alertBox.focus();
      }
      progress.value = 100;
      progressText.textContent = t("cat.upload.processing");
      const deadline = Date.now() + 20000;
      while (Date.now() < deadline && dialog.isConnected) {
        await new Promise((r) => setTimeout(r, 400));
        const g = await api.get(`/categories/${c.id}`);
        if (g.ok && g.data.thumbnailUrl === up.thumbnailUrl) {
          c = g.data;
          fill();
          progress.hidden = true;
          progressText.textContent = t("cat.upload.done");
          form.querySelector(".upload").append(progress, progressText);
          load();
          return;
        }
      }
      progressText.textContent = t("cat.upload.slow");
    }

    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      clearFieldErrors(form);
      showAlert(alertBox, "");
      const name = form.elements.name.value.trim();
      const description = form.elements.description.value.trim();
      const url = form.elements.url ? form.elements.url.value.trim() : "";
      const file = form.elements.file && form.elements.file.files ? form.elements.file.files[0] : null;
      let bad = false;
      if (!name) bad = setFieldError(form, "name", t("required"));
      if (choice === "url" && !isHttpsURL(url)) bad = setFieldError(form, "url", t("cat.thumb.badUrl"));
      if (choice === "file" && checkFile(file)) bad = setFieldError(form, "file", checkFile(file));
      if (bad) return form.querySelector('[aria-invalid="true"]').focus();
      let res;
      setBusy(submit, true);
      if (!c) {
        const payload = { name, description };
        if (parent) payload.parentId = parent.id;
        if (choice === "url") payload.thumbnailUrl = url;
        res = await api.request("POST", "/categories", { body: payload, headers: key });
      } else {
        const change = {};
        if (name !== c.name) change.name = name;
        if (description !== c.description) change.description = description;
        if (choice === "url" && url !== c.thumbnailUrl) change.thumbnailUrl = url;
        if (choice === "none" && c.thumbnailUrl) change.thumbnailUrl = null;
        res = Object.keys(change).length ? await api.request("PATCH", `/categories/${c.id}`, { body: change, headers: api.ifMatch(c.version) }) : { ok: true, data: c };
      }
      setBusy(submit, false);
      if (!res.ok) {
        if (res.problem && res.problem.code === "name_taken") {
          setFieldError(form, "name", t("error.name_taken"));
          return form.elements.name.focus();
        }
        return saveFailed(form, res, alertBox, { reload: c ? reload : null, retry: () => form.requestSubmit() });
      }
      const created = !c;
      c = res.data;
      if (parent) collapsed.delete(parent.id);
      if (choice !== "file") {
        dialog.close();
        await load();
        return toast(t(created ? "cat.added" : "cat.saved", { name: c.name }));
      }
      // The dialog stays open to show the upload and then the new image.
      id = c.id;
      dialog.querySelector(".dialog-head h2").textContent = t("cat.editTitle", { name: c.name });
      fill();
      submit.disabled = true;
      await load();
      toast(t("cat.savedUploading", { name: c.name }));
      await upload(file);
      submit.disabled = false;
    });
    fill();
    body.append(alertBox, info, form);
    openDialog(dialog);
  }

  await load();
  return () => {
    alive = false;
  };
}
