enum LadderReportPlaceholder {}
