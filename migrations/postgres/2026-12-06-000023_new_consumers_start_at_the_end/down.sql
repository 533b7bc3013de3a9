-- Nothing to undo: the cursors stay where the consumers have moved them since.
SELECT 1;
