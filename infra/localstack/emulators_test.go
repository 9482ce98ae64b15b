package localstack

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"backoffice/infra/emulators"
)

// The tests against real emulators use LOCALSTACK_DYNAMODB_URL and
// LOCALSTACK_COGNITO_URL when set (a running pair), and otherwise start
// their own, once for the package, on free ports.
var (
	emuOnce sync.Once
	emuSet  *emulators.Set
	emuErr  error
)

func emulatorURL(t *testing.T, kind string) string {
	t.Helper()
	env := map[string]string{"DynamoDB": "LOCALSTACK_DYNAMODB_URL", "Cognito": "LOCALSTACK_COGNITO_URL"}[kind]
	if url := os.Getenv(env); url != "" {
		return url
	}
	emuOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		emuSet, emuErr = emulators.Start(ctx, emulators.Options{Dir: filepath.Join(repoRoot(t), ".local")})
	})
	if emuErr != nil {
		t.Fatalf("start emulators: %v", emuErr)
	}
	if kind == "Cognito" {
		return emuSet.Cognito
	}
	return emuSet.DynamoDB
}
