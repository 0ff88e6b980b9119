package main

import (
	"fmt"

	"github.com/dynupd/dynupd-analyze/classifiers"
	"github.com/spf13/cobra"
)

func newRulesCmd() *cobra.Command {
	var short bool
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule with its verdict and documentation",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			for _, r := range classifiers.NewRegistry().All() {
				if short {
					fmt.Fprintf(w, "%-18s %-19s %s\n", r.ID, r.Verdict, r.Summary)
					continue
				}
				fmt.Fprintf(w, "%s  (%s)\n  when: %s\n  why:  %s\n  see:  %s\n\n", r.ID, r.Verdict, r.Summary, r.Doc, r.Reference)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&short, "short", false, "one line per rule")
	return cmd
}
