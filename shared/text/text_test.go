package text

import "testing"

func TestEmail(t *testing.T) {
	valid := map[string]string{
		"A@X.nl":                  "a@x.nl",
		"  jan.de.vries@shop.de ": "jan.de.vries@shop.de",
		"o'brien+tag@mail.co.uk":  "o'brien+tag@mail.co.uk",
		// IDN domains in the ASCII form SES sends to, however typed.
		"jan@Müller.de":           "jan@xn--mller-kva.de",
		"jan@mu\u0308ller.de":     "jan@xn--mller-kva.de", // decomposed ü
		"jan@xn--mller-kva.de":    "jan@xn--mller-kva.de",
		"info@bücher.example.com": "info@xn--bcher-kva.example.com",
	}
	for in, want := range valid {
		got, err := Email(in)
		if err != nil || got != want {
			t.Errorf("Email(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := []string{"", "a", "a@b", "@x.nl", "a@.nl", "a@x.nl.", "a@x..nl", "Jan <a@x.nl>",
		"a b@x.nl", "a\n@x.nl", "a\x00@x.nl", "a@x.nl\n", "\ta@x.nl", "a@x.nl,b@x.nl", string(make([]byte, 300)),
		// SES can not deliver to non-ASCII mailboxes.
		"jürgen@shop.de", "用户@example.com",
		// Not a valid internationalised domain.
		"a@xn--.de", "a@-bad-.de"}
	for _, in := range invalid {
		if got, err := Email(in); err == nil {
			t.Errorf("Email(%q) = %q, want error", in, got)
		}
	}
}

func TestFold(t *testing.T) {
	cases := map[string]string{
		"Müller":     "muller",
		"MULLER":     "muller",
		"Straße":     "strasse",
		"Ørsted":     "orsted",
		"Žofie Čech": "zofie cech",
		"ﬁne":        "fine",
		" Élodie ":   "elodie",
	}
	for in, want := range cases {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestControlAndClean(t *testing.T) {
	if !HasControl("a\tb") || !HasControl("a\u0085") || HasControl("José") {
		t.Fatal("HasControl")
	}
	if got := CleanLine("  Jan   de  Vries "); got != "Jan de Vries" {
		t.Fatalf("CleanLine = %q", got)
	}
	if EmailDomain("a@shop.nl") != "shop.nl" {
		t.Fatal("EmailDomain")
	}
}
