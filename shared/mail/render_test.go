package mail

import (
	"strings"
	"testing"
)

const sampleLink = "https://api.example.com/prod/accept-invitation?for=customer#token=AbC-_123xyz"

func sample() map[string]string {
	return map[string]string{
		"firstName":   "Anna",
		"inviterName": "Piet de Vries",
		"shopName":    "Bäckerei Müller",
		"email":       "anna@example.com",
		"link":        sampleLink,
		"expiresAt":   "2026-11-30T14:05:00Z",
		"changedAt":   "2026-11-30T14:05:00Z",
		"newEmail":    "anna.new@example.com",
	}
}

func TestRenderEveryTemplateAndLocale(t *testing.T) {
	t.Parallel()
	for name := range required {
		for _, lang := range Locales {
			t.Run(lang+"/"+name, func(t *testing.T) {
				t.Parallel()
				r, err := Render(Message{Template: name, Locale: lang, Data: sample()})
				if err != nil {
					t.Fatal(err)
				}
				if r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n") {
					t.Errorf("subject %q: want one non-empty line", r.Subject)
				}
				if !strings.Contains(r.Subject, "Bäckerei Müller") {
					t.Errorf("subject %q lacks the shop name", r.Subject)
				}
				if !strings.Contains(r.Text, sampleLink) {
					t.Errorf("text lacks the link:\n%s", r.Text)
				}
				if !strings.Contains(r.HTML, `<a href="`+sampleLink+`"`) {
					t.Errorf("html lacks a real link:\n%s", r.HTML)
				}
				if !strings.Contains(r.HTML, `<html lang="`+lang+`"`) {
					t.Errorf("html lacks lang=%q", lang)
				}
				for _, part := range []string{r.Text, r.HTML} {
					if !strings.Contains(part, "Anna") {
						t.Errorf("a part lacks the first name")
					}
					if strings.Contains(part, "{{") || strings.Contains(part, "<no value>") {
						t.Errorf("template residue in:\n%s", part)
					}
				}
				if strings.Contains(r.Text, "<p") || strings.Contains(r.Text, "\n\n\n") {
					t.Errorf("text part is not clean:\n%q", r.Text)
				}
				if strings.Contains(r.HTML, "<img") || strings.Contains(r.HTML, "src=") {
					t.Errorf("html must not load anything")
				}
				if name != PasswordChanged {
					when, _ := humanTime(lang, "2026-11-30T14:05:00Z")
					if !strings.Contains(r.Text, when) || !strings.Contains(r.HTML, when) {
						t.Errorf("expiry %q missing", when)
					}
				}
			})
		}
	}
}

func TestRenderEscapesHTMLButNotText(t *testing.T) {
	t.Parallel()
	d := sample()
	d["firstName"] = "<script>alert(1)</script>"
	d["shopName"] = "Jansen & Zn"
	for name := range required {
		r, err := Render(Message{Template: name, Locale: "nl", Data: d})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.HTML, "<script>") || !strings.Contains(r.HTML, "&lt;script&gt;") {
			t.Errorf("%s: first name not escaped in HTML", name)
		}
		if strings.Contains(r.HTML, "Jansen & Zn") || !strings.Contains(r.HTML, "Jansen &amp; Zn") {
			t.Errorf("%s: shop name not escaped in HTML", name)
		}
		if !strings.Contains(r.Text, "<script>alert(1)</script>") || !strings.Contains(r.Text, "Jansen & Zn") {
			t.Errorf("%s: text part should carry the values as written:\n%s", name, r.Text)
		}
		if !strings.Contains(r.Subject, "Jansen & Zn") {
			t.Errorf("%s: subject %q", name, r.Subject)
		}
	}
}

func TestRenderRefusesLinksThatAreNotWebAddresses(t *testing.T) {
	t.Parallel()
	for _, link := range []string{"javascript:alert(1)", "data:text/html,x", "//evil.example/x", "/accept-invitation#token=x", "https://"} {
		d := sample()
		d["link"] = link
		if _, err := Render(Message{Template: Invitation, Locale: "en", Data: d}); err == nil {
			t.Errorf("link %q: want an error", link)
		}
	}
}

func TestRenderEscapesAttributes(t *testing.T) {
	t.Parallel()
	d := sample()
	d["link"] = `https://x.example/a?b=1&c="><script>`
	d["shopName"] = `"><img src=x onerror=alert(1)>`
	r, err := Render(Message{Template: PasswordReset, Locale: "en", Data: d})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, `"><`) || strings.Contains(r.HTML, "<img") {
		t.Errorf("a value broke out of its attribute or text:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, `href="https://x.example/a?b=1&amp;c=&#34;&gt;&lt;script&gt;"`) {
		t.Errorf("link not escaped as an attribute value:\n%s", r.HTML)
	}
}

func TestRenderLocaleFallback(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "en", "fr": "en", "EN": "en", "de-AT": "de", "nl_BE": "nl", " nl ": "nl"} {
		r, err := Render(Message{Template: PasswordReset, Locale: in, Data: sample()})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.HTML, `<html lang="`+want+`"`) {
			t.Errorf("locale %q: want %s", in, want)
		}
	}
	r, _ := Render(Message{Template: Invitation, Locale: "fr", Data: sample()})
	if !strings.HasPrefix(r.Subject, "You're invited") {
		t.Errorf("fallback subject %q is not English", r.Subject)
	}
}

func TestRenderMissingRequiredData(t *testing.T) {
	t.Parallel()
	for _, name := range []string{Invitation, PasswordReset, EmailConfirm} {
		d := sample()
		delete(d, "link")
		if _, err := Render(Message{Template: name, Locale: "en", Data: d}); err == nil {
			t.Errorf("%s without link: want an error", name)
		}
		d["link"] = "   "
		if _, err := Render(Message{Template: name, Locale: "en", Data: d}); err == nil {
			t.Errorf("%s with a blank link: want an error", name)
		}
	}
	if _, err := Render(Message{Template: "welcome", Locale: "en", Data: sample()}); err == nil {
		t.Error("unknown template: want an error")
	}
	d := sample()
	d["expiresAt"] = "tomorrow"
	if _, err := Render(Message{Template: Invitation, Locale: "en", Data: d}); err == nil {
		t.Error("unparsable expiresAt: want an error")
	}
}

func TestRenderOptionalData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, lang string
		drop       []string
		want       []string
		notWant    []string
	}{
		{"invitation without inviter", "en", []string{"inviterName"}, []string{"You have been invited to the backoffice of Bäckerei Müller."}, []string{"has invited"}},
		{"nl without inviter", "nl", []string{"inviterName"}, []string{"Je bent uitgenodigd voor de backoffice van Bäckerei Müller."}, nil},
		{"de without inviter", "de", []string{"inviterName"}, []string{"du wurdest zum Backoffice von Bäckerei Müller eingeladen."}, nil},
		{"de with inviter", "de", nil, []string{"Piet de Vries hat dich zum Backoffice von Bäckerei Müller eingeladen."}, nil},
		{"without first name", "en", []string{"firstName"}, []string{"Hello,"}, []string{"Hello ,"}},
		{"without shop", "en", []string{"shopName"}, []string{"to the backoffice."}, []string{" of ."}},
		{"without expiry", "nl", []string{"expiresAt"}, []string{"De link werkt maar één keer."}, []string{"geldig tot"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := sample()
			for _, k := range tt.drop {
				delete(d, k)
			}
			r, err := Render(Message{Template: Invitation, Locale: tt.lang, Data: d})
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{r.Text, r.HTML} {
				for _, w := range tt.want {
					if !strings.Contains(part, w) {
						t.Errorf("want %q in:\n%s", w, part)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(part, w) {
						t.Errorf("do not want %q in:\n%s", w, part)
					}
				}
			}
		})
	}
}

func TestRenderPasswordChangedWithoutLink(t *testing.T) {
	t.Parallel()
	d := sample()
	delete(d, "link")
	r, err := Render(Message{Template: PasswordChanged, Locale: "de", Data: d})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<a ") {
		t.Error("no link given: want no button")
	}
	if !strings.Contains(r.Text, "wurde am 30. November 2026 um 14:05 Uhr (UTC) geändert.") {
		t.Errorf("text:\n%s", r.Text)
	}
}

func TestCustomerMailsSpeakOfThePortal(t *testing.T) {
	for _, lang := range Locales {
		for _, tpl := range []string{Invitation, PasswordReset, PasswordChanged, EmailChanged, EmailConfirm, EmailChangeRequested} {
			r, err := Render(Message{Template: tpl, Locale: lang, Data: map[string]string{
				"audience": "customer", "shopName": "Bäckerei Müller", "link": sampleLink, "firstName": "Zoë", "newEmail": "zoe@example.com",
			}})
			if err != nil {
				t.Fatalf("%s/%s: %v", lang, tpl, err)
			}
			all := strings.ToLower(r.Subject + r.Text + r.HTML)
			if strings.Contains(all, "backoffice") || strings.Contains(all, "administra") || strings.Contains(all, "beheerder") {
				t.Errorf("%s/%s speaks of the backoffice to a customer: %s", lang, tpl, r.Text)
			}
			if !strings.Contains(all, "portal") && !strings.Contains(all, "portaal") {
				t.Errorf("%s/%s does not name the customer portal: %s", lang, tpl, r.Text)
			}
		}
	}
}

func TestEmailChangedNamesBothAddresses(t *testing.T) {
	for _, lang := range Locales {
		r, err := Render(Message{Template: EmailChanged, Locale: lang, Data: sample()})
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{r.Text, r.HTML} {
			if !strings.Contains(part, "anna@example.com") || !strings.Contains(part, "anna.new@example.com") {
				t.Errorf("%s: both addresses belong in the notice:\n%s", lang, part)
			}
		}
	}
	if _, err := Render(Message{Template: EmailChanged, Locale: "en", Data: map[string]string{"email": "a@b.nl"}}); err == nil {
		t.Error("a notice without the new address rendered")
	}
}

// The notice to the current address names the address asked for and says
// the change waits for it; the confirmation mail names only its own address
// (a mistyped one must not learn the current address).
func TestEmailChangeMails(t *testing.T) {
	for _, lang := range Locales {
		d := sample()
		delete(d, "link")
		r, err := Render(Message{Template: EmailChangeRequested, Locale: lang, Data: d})
		if err != nil {
			t.Fatal(err)
		}
		when, _ := humanTime(lang, d["expiresAt"])
		for _, part := range []string{r.Text, r.HTML} {
			if !strings.Contains(part, "anna@example.com") || !strings.Contains(part, "anna.new@example.com") || !strings.Contains(part, when) {
				t.Errorf("%s: the notice names both addresses and the deadline:\n%s", lang, part)
			}
		}
		if strings.Contains(r.HTML, "<a ") {
			t.Errorf("%s: no link given: want no button", lang)
		}
		d = sample()
		d["email"] = "anna.new@example.com"
		delete(d, "newEmail")
		r, err = Render(Message{Template: EmailConfirm, Locale: lang, Data: d})
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{r.Subject, r.Text, r.HTML} {
			if strings.Contains(part, "anna@example.com") {
				t.Errorf("%s: the confirmation names the current address:\n%s", lang, part)
			}
		}
	}
	if _, err := Render(Message{Template: EmailChangeRequested, Locale: "en", Data: map[string]string{"email": "a@b.nl"}}); err == nil {
		t.Error("a notice without the new address rendered")
	}
}
