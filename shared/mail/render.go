package mail

import (
	"embed"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// Each locale folder holds, per mail, a .txt file (the subject as a
// "subject" block, then the plain-text body) and a .html file (the blocks
// layout.html places around the button), plus common.txt/common.html with
// the phrases all mails of that locale share.
//
//go:embed templates
var templateFiles embed.FS

// required lists, per template, the data a mail is useless without.
var required = map[string][]string{
	Invitation:           {"link"},
	PasswordReset:        {"link"},
	PasswordChanged:      nil,
	EmailChanged:         {"newEmail"},
	EmailConfirm:         {"link"},
	EmailChangeRequested: {"newEmail"},
}

// viewFields are the names templates can use. Times are formatted for the
// locale before rendering, so templates hold copy only.
var viewFields = map[string]bool{
	"Lang": true, "Subject": true, "FirstName": true, "InviterName": true, "ShopName": true,
	"Email": true, "Link": true, "ExpiresAt": true, "ChangedAt": true, "Customer": true, "NewEmail": true,
}

// Render renders m in its locale, or in DefaultLocale when there is no
// template for it.
func Render(m Message) (Rendered, error) {
	need, ok := required[m.Template]
	if !ok {
		return Rendered{}, fmt.Errorf("mail: unknown template %q", m.Template)
	}
	for _, key := range need {
		if strings.TrimSpace(m.Data[key]) == "" {
			return Rendered{}, fmt.Errorf("mail: %s needs %q", m.Template, key)
		}
	}
	lang := locale(m.Locale)
	v, err := newView(lang, m.Data)
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: %s: %w", m.Template, err)
	}
	all, err := parsed()
	if err != nil {
		return Rendered{}, err
	}
	set := all[setKey(m.Template, lang)]

	subject, err := set.text.execute("subject", v)
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s subject: %w", lang, m.Template, err)
	}
	v["Subject"] = strings.Join(strings.Fields(subject), " ")
	text, err := set.text.execute(m.Template+".txt", v)
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s text: %w", lang, m.Template, err)
	}
	html, err := set.html.execute("layout.html", v)
	if err != nil {
		return Rendered{}, fmt.Errorf("mail: %s/%s html: %w", lang, m.Template, err)
	}
	return Rendered{Subject: v["Subject"], Text: tidy(text), HTML: html}, nil
}

func newView(lang string, d map[string]string) (map[string]string, error) {
	v := map[string]string{
		"Lang":        lang,
		"FirstName":   strings.TrimSpace(d["firstName"]),
		"InviterName": strings.TrimSpace(d["inviterName"]),
		"ShopName":    strings.TrimSpace(d["shopName"]),
		"Email":       strings.TrimSpace(d["email"]),
		"Link":        strings.TrimSpace(d["link"]),
		"NewEmail":    strings.TrimSpace(d["newEmail"]),
	}
	if d["audience"] == "customer" { // customers' mails speak of their portal, not the backoffice
		v["Customer"] = "yes"
	}
	if link := v["Link"]; link != "" {
		if u, err := url.Parse(link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("link is not an http(s) URL")
		}
	}
	for field, key := range map[string]string{"ExpiresAt": "expiresAt", "ChangedAt": "changedAt"} {
		when, err := humanTime(lang, d[key])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		v[field] = when
	}
	return v, nil
}

// locale maps "de-AT", "NL", "en_GB" to a locale with templates.
func locale(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if i := strings.IndexAny(l, "-_"); i >= 0 {
		l = l[:i]
	}
	for _, known := range Locales {
		if l == known {
			return l
		}
	}
	return DefaultLocale
}

type templatePair struct{ text, html *templateSet }

func setKey(name, lang string) string { return lang + "/" + name }

// parsed parses every template once, on first use rather than at init:
// functions that only queue mails (through package outbox) link this
// package and should not pay for parsing at their cold start.
var parsed = sync.OnceValues(func() (map[string]templatePair, error) {
	all := map[string]templatePair{}
	for _, lang := range Locales {
		for name := range required {
			dir := "templates/" + lang + "/"
			text, err := parseSet(escapeNone, dir+"common.txt", dir+name+".txt")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s%s.txt: %w", dir, name, err)
			}
			html, err := parseSet(escapeHTML, "templates/layout.html", dir+"common.html", dir+name+".html")
			if err != nil {
				return nil, fmt.Errorf("mail: parse %s%s.html: %w", dir, name, err)
			}
			all[setKey(name, lang)] = templatePair{text: text, html: html}
		}
	}
	return all, nil
})

var blankLines = regexp.MustCompile(`\n{3,}`)

// tidy lets the text templates use optional blocks without leaving stray
// blank lines or trailing spaces behind.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n")) + "\n"
}
