package settings

import (
	"errors"
	"testing"

	"backoffice/shared/problem"
)

func TestMonthlyCost(t *testing.T) {
	cases := []struct{ used, included, price, want int }{
		{0, 1, 2500, 0}, {1, 1, 2500, 0}, {2, 1, 2500, 2500}, {5, 1, 2500, 10000}, {3, 5, 2500, 0},
	}
	for _, c := range cases {
		if got := MonthlyCost(c.used, c.included, c.price); got != c.want {
			t.Errorf("MonthlyCost(%d,%d,%d) = %d, want %d", c.used, c.included, c.price, got, c.want)
		}
	}
}

func TestPatchValidation(t *testing.T) {
	zero, big, fr, blank := 0, 1000000000, "fr", "  "
	for name, p := range map[string]Patch{
		"seat limit 0": {SeatLimit: &zero}, "huge price": {PricePerExtraSeatCents: &big},
		"locale": {DefaultLocale: &fr}, "blank shop": {ShopName: &blank}, "reset 0": {ResetTTLMinutes: &zero},
	} {
		if err := p.validate(); !errors.Is(err, problem.ValidationFailed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	three, name := 3, "  Bäckerei   Müller "
	p := Patch{SeatLimit: &three, ShopName: &name}
	if err := p.validate(); err != nil || *p.ShopName != "Bäckerei Müller" {
		t.Fatalf("%v %q", err, *p.ShopName)
	}
}
