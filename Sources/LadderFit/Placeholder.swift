enum LadderPlaceholder {}
