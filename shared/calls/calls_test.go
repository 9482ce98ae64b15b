package calls

import (
	"context"
	"testing"

	"github.com/aws/smithy-go/middleware"
)

func TestMiddlewareCountsPerContext(t *testing.T) {
	stack := middleware.NewStack("test", func() interface{} { return struct{}{} })
	if err := Middleware("dynamodb")(stack); err != nil {
		t.Fatal(err)
	}
	handler := middleware.DecorateHandler(middleware.HandlerFunc(func(context.Context, interface{}) (interface{}, middleware.Metadata, error) {
		return nil, middleware.Metadata{}, nil
	}), stack)
	ctx := WithCounter(context.Background())
	for i := 0; i < 3; i++ {
		if _, _, err := handler.Handle(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	if d, c := Counts(ctx); d != 3 || c != 0 {
		t.Fatalf("counts %d %d", d, c)
	}
	if _, _, err := handler.Handle(context.Background(), nil); err != nil {
		t.Fatal("a context without a counter must work too")
	}
}
