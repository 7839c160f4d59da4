// The weekly spend sheet (/spend): move between cells with the arrow keys and Enter, and
// paste a column copied from a spreadsheet into a cell to fill it and the cells below.
// Without this file the sheet is an ordinary form; the server validates every amount.
(function () {
  "use strict";
  var sheet = document.getElementById("spend-sheet");
  if (!sheet) { return; }

  function cell(row, col) {
    return sheet.querySelector('input[data-row="' + row + '"][data-col="' + col + '"]');
  }

  function move(input, rows, cols) {
    var target = cell(Number(input.dataset.row) + rows, Number(input.dataset.col) + cols);
    if (target) { target.focus(); target.select(); }
    return Boolean(target);
  }

  sheet.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.dataset || input.dataset.row === undefined) { return; }
    var atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    var atEnd = input.selectionStart === input.value.length;
    var moved = false;
    if (event.key === "ArrowUp") { moved = move(input, -1, 0); }
    else if (event.key === "ArrowDown") { moved = move(input, 1, 0); }
    else if (event.key === "Enter") { moved = move(input, event.shiftKey ? -1 : 1, 0); }
    else if (event.key === "ArrowLeft" && atStart) { moved = move(input, 0, -1); }
    else if (event.key === "ArrowRight" && atEnd) { moved = move(input, 0, 1); }
    // Enter on the last row must not submit the sheet by accident.
    if (moved || event.key === "Enter") { event.preventDefault(); }
  });

  sheet.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input.dataset || input.dataset.row === undefined || !event.clipboardData) { return; }
    var text = event.clipboardData.getData("text/plain").replace(/\r/g, "");
    var lines = text.replace(/\n$/, "").split("\n");
    if (lines.length < 2) { return; }  // one value: the browser pastes it as usual
    event.preventDefault();
    var row = Number(input.dataset.row);
    var col = Number(input.dataset.col);
    lines.forEach(function (line, offset) {
      var target = cell(row + offset, col);
      // a spreadsheet copies a column as lines; keep the first cell of each line
      if (target) { target.value = line.split("\t")[0].trim(); }
    });
  });
}());
