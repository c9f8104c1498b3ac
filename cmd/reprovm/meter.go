package main

import (
	"time"

	"github.com/spf13/cobra"
)

// addMeterFlag registers the hidden --meter-every flag: how often the
// progress meter writes (builder.RunSpec.MeterEvery; default a few times a
// second on a terminal, every few seconds otherwise). Tests set it short
// so that a run of seconds shows the meter.
func addMeterFlag(cmd *cobra.Command, every *time.Duration) {
	cmd.Flags().DurationVar(every, "meter-every", 0, "how often the progress meter writes (0: the default)")
	_ = cmd.Flags().MarkHidden("meter-every")
}
