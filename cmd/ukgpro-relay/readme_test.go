package main

import (
	"testing"

	"github.com/ukgpro-stream/ukgpro-stream/internal/testenv"
)

func TestREADMEListsEveryVariable(t *testing.T) { testenv.READMEListsEveryVariable(t, &config{}) }
