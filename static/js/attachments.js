// Images and files in a draft: an "Add image or file" button, drag and drop onto the text,
// paste from the clipboard. Images first open a small dialog to black out what must not be
// shown (passwords, customer names); only the redacted pixels are sent. The server checks
// and re-encodes every file (attachments.processing); this only makes adding them easy.
// Without JavaScript the edit form's plain file field does the same on save.
(function () {
  "use strict";
  var form = document.querySelector("form.draft-form[data-upload-url]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var body = form.querySelector("textarea[name=body]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]");
  if (!body || !token) {
    return;
  }
  var IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];

  // The plain file field is for browsers without JavaScript; here the button replaces it.
  form.querySelectorAll(".attachment-plain").forEach(function (field) {
    field.hidden = true;
    field.classList.add("d-none");
  });

  var toolbar = document.createElement("div");
  toolbar.className = "attachment-toolbar";
  var button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-outline-primary btn-sm attachment-add";
  button.textContent = "Add image or file";
  var picker = document.createElement("input");
  picker.type = "file";
  picker.multiple = true;
  picker.hidden = true;
  picker.className = "attachment-picker";
  picker.setAttribute("aria-label", "Image or file to add");
  var hint = document.createElement("span");
  hint.className = "small text-body-secondary";
  hint.textContent = "or drop a file onto the text, or paste a screenshot.";
  var status = document.createElement("div");
  status.className = "attachment-status small w-100";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  toolbar.append(button, picker, hint, status);
  body.insertAdjacentElement("beforebegin", toolbar);

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("text-danger", !!isError);
    status.setAttribute("role", isError ? "alert" : "status");
  }

  // Where the Markdown goes: the cursor as it was when the file came.
  function caret() {
    return { start: body.selectionStart, end: body.selectionEnd };
  }

  function insert(markdown, at) {
    body.focus();
    body.setRangeText(markdown, at.start, at.end, "end");
    // The live preview (preview.js) and anything else listening see the change.
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function baseName(name) {
    return (name || "image").replace(/\.[^.]*$/, "");
  }

  function upload(file, alt, at) {
    var data = new FormData();
    data.append("file", file, file.name);
    data.append("alt", alt || baseName(file.name));
    say("Uploading " + file.name + "…");
    return fetch(form.dataset.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": token.value, "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { error: "The server refused the file (" + response.status + ")." };
          })
          .then(function (json) {
            if (!response.ok || json.error) {
              throw new Error(json.error || "Upload failed (" + response.status + ").");
            }
            insert(json.markdown, at);
            say("Added " + json.name + ". Save the draft to keep it in the text.");
            return json;
          });
      })
      .catch(function (error) {
        say("Not added: " + error.message + " Your text is unchanged.", true);
      });
  }

  function handle(files, at) {
    var list = Array.prototype.slice.call(files || []);
    // One after another, so each lands after the one before.
    return list.reduce(function (previous, file) {
      return previous.then(function () {
        if (IMAGE_TYPES.indexOf(file.type) !== -1 && window.createImageBitmap) {
          return redact(file).then(function (choice) {
            if (choice) {
              return upload(choice.file, choice.alt, at).then(function () {
                at = caret();
              });
            }
            say("Cancelled: nothing was added.");
          });
        }
        return upload(file, baseName(file.name), at).then(function () {
          at = caret();
        });
      });
    }, Promise.resolve());
  }

  // The redaction dialog: draw black boxes with the mouse, a pen or a finger.
  function redact(file) {
    return createImageBitmap(file).then(
      function (bitmap) {
        return new Promise(function (resolve) {
          var dialog = document.createElement("dialog");
          dialog.className = "redact-dialog";
          dialog.setAttribute("aria-labelledby", "redact-heading");
          var heading = document.createElement("h2");
          heading.className = "h5";
          heading.id = "redact-heading";
          heading.textContent = "Black out anything secret before uploading";
          var help = document.createElement("p");
          help.className = "small text-body-secondary mb-2";
          help.textContent =
            "Drag over passwords, keys, customer names or addresses: they are painted black " +
            "here, in your browser, and only the painted image is sent.";
          var wrap = document.createElement("div");
          wrap.className = "redact-canvas-wrap mb-2";
          var canvas = document.createElement("canvas");
          canvas.className = "redact-canvas";
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
          canvas.setAttribute("role", "img");
          canvas.setAttribute("aria-label", "The image; drag to black out a rectangle");
          wrap.append(canvas);
          var altLabel = document.createElement("label");
          altLabel.className = "form-label small mb-1";
          altLabel.textContent = "Description (alt text)";
          var altInput = document.createElement("input");
          altInput.className = "form-control form-control-sm mb-2 redact-alt";
          altInput.value = baseName(file.name);
          altInput.id = "redact-alt";
          altLabel.htmlFor = "redact-alt";
          var buttons = document.createElement("div");
          buttons.className = "d-flex flex-wrap gap-2";
          function makeButton(text, css) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "btn btn-sm " + css;
            b.textContent = text;
            return b;
          }
          var send = makeButton("Upload", "btn-primary redact-upload");
          var undo = makeButton("Undo last box", "btn-outline-secondary redact-undo");
          var cancel = makeButton("Cancel", "btn-outline-danger redact-cancel");
          buttons.append(send, undo, cancel);
          dialog.append(heading, help, wrap, altLabel, altInput, buttons);
          document.body.append(dialog);

          var ctx = canvas.getContext("2d");
          var boxes = [];
          var drawing = null;

          function paint() {
            ctx.drawImage(bitmap, 0, 0);
            ctx.fillStyle = "#000";
            boxes.concat(drawing ? [drawing] : []).forEach(function (r) {
              ctx.fillRect(
                Math.min(r.x0, r.x1),
                Math.min(r.y0, r.y1),
                Math.abs(r.x1 - r.x0),
                Math.abs(r.y1 - r.y0)
              );
            });
            undo.disabled = boxes.length === 0;
          }

          function point(event) {
            var rect = canvas.getBoundingClientRect();
            var x = ((event.clientX - rect.left) * canvas.width) / rect.width;
            var y = ((event.clientY - rect.top) * canvas.height) / rect.height;
            return {
              x: Math.max(0, Math.min(canvas.width, Math.round(x))),
              y: Math.max(0, Math.min(canvas.height, Math.round(y))),
            };
          }

          canvas.addEventListener("pointerdown", function (event) {
            var p = point(event);
            drawing = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
            try {
              canvas.setPointerCapture(event.pointerId); // keep drawing past the edge
            } catch (e) {
              // a pointer the browser no longer knows: draw without capture
            }
            event.preventDefault();
          });
          canvas.addEventListener("pointermove", function (event) {
            if (!drawing) return;
            var p = point(event);
            drawing.x1 = p.x;
            drawing.y1 = p.y;
            paint();
          });
          function finish(event) {
            if (!drawing) return;
            var p = point(event);
            drawing.x1 = p.x;
            drawing.y1 = p.y;
            if (Math.abs(drawing.x1 - drawing.x0) > 1 && Math.abs(drawing.y1 - drawing.y0) > 1) {
              boxes.push(drawing);
            }
            drawing = null;
            paint();
          }
          canvas.addEventListener("pointerup", finish);
          canvas.addEventListener("pointercancel", function () {
            drawing = null;
            paint();
          });

          function close(result) {
            dialog.close();
            dialog.remove();
            if (bitmap.close) bitmap.close();
            resolve(result);
          }
          undo.addEventListener("click", function () {
            boxes.pop();
            paint();
          });
          cancel.addEventListener("click", function () {
            close(null);
          });
          dialog.addEventListener("cancel", function (event) {
            event.preventDefault();
            close(null);
          });
          send.addEventListener("click", function () {
            var alt = altInput.value.trim() || baseName(file.name);
            if (boxes.length === 0) {
              close({ file: file, alt: alt }); // nothing painted: the file as it is
              return;
            }
            send.disabled = true;
            canvas.toBlob(function (blob) {
              var name = baseName(file.name) + "-redacted.png";
              close({ file: new File([blob], name, { type: "image/png" }), alt: alt });
            }, "image/png");
          });
          paint();
          dialog.showModal();
          send.focus();
        });
      },
      function () {
        // Not an image this browser can read: send it as it is; the server decides.
        return { file: file, alt: baseName(file.name) };
      }
    );
  }

  button.addEventListener("click", function () {
    picker.accept = "";
    picker.click();
  });
  // The editor toolbar's Image button (editor-toolbar.js): the same chooser, images only.
  body.addEventListener("sop:choose-image", function () {
    picker.accept = IMAGE_TYPES.join(",");
    picker.click();
  });
  picker.addEventListener("change", function () {
    var at = caret();
    handle(picker.files, at).then(function () {
      picker.value = "";
    });
  });

  body.addEventListener("paste", function (event) {
    var files = event.clipboardData && event.clipboardData.files;
    if (!files || files.length === 0) {
      return; // ordinary text: the browser pastes it
    }
    event.preventDefault();
    handle(files, caret());
  });

  body.addEventListener("dragover", function (event) {
    if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      body.classList.add("attachment-drop-target");
    }
  });
  body.addEventListener("dragleave", function () {
    body.classList.remove("attachment-drop-target");
  });
  body.addEventListener("drop", function (event) {
    body.classList.remove("attachment-drop-target");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length === 0) {
      return;
    }
    event.preventDefault();
    handle(files, caret());
  });
})();
