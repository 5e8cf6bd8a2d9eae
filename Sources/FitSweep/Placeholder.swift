enum SweepPlaceholder {}
