package emulators

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Mail is one message captured by the SES emulator.
type Mail struct {
	MessageID string
	From      string
	To        []string
	Cc, Bcc   []string
	Subject   string
	Text      string
	HTML      string
	At        time.Time
}

// storeMail is the emulator's JSON. Bodies may be missing or false.
type storeMail struct {
	MessageID   string `json:"messageId"`
	From        string `json:"from"`
	Destination struct {
		To  []string `json:"to"`
		Cc  []string `json:"cc"`
		Bcc []string `json:"bcc"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text any `json:"text"`
		HTML any `json:"html"`
	} `json:"body"`
	At int64 `json:"at"`
}

// Mails returns every mail the SES emulator has captured, oldest first.
func (s *Set) Mails(ctx context.Context) ([]Mail, error) {
	return FetchMails(ctx, s.SES)
}

// ClearMail empties the SES emulator's store.
func (s *Set) ClearMail(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.SES+"/clear-store", nil)
	if err != nil {
		return err
	}
	_, err = do(s.client(), req)
	return err
}

// FetchMails reads the store of an SES emulator at sesURL (for callers
// that did not start it themselves).
func FetchMails(ctx context.Context, sesURL string) ([]Mail, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(sesURL, "/")+"/store", nil)
	if err != nil {
		return nil, err
	}
	body, err := do(&http.Client{Timeout: 10 * time.Second}, req)
	if err != nil {
		return nil, err
	}
	var st struct {
		Emails []storeMail `json:"emails"`
	}
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("SES store: %w", err)
	}
	out := make([]Mail, 0, len(st.Emails))
	for _, m := range st.Emails {
		text, _ := m.Body.Text.(string)
		html, _ := m.Body.HTML.(string)
		out = append(out, Mail{
			MessageID: m.MessageID, From: m.From,
			To: m.Destination.To, Cc: m.Destination.Cc, Bcc: m.Destination.Bcc,
			Subject: m.Subject, Text: text, HTML: html,
			At: time.Unix(m.At, 0),
		})
	}
	return out, nil
}

func (s *Set) client() *http.Client {
	if s.http == nil {
		return http.DefaultClient
	}
	return s.http
}

func do(c *http.Client, req *http.Request) ([]byte, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return body, fmt.Errorf("%s %s: HTTP %d: %.200s", req.Method, req.URL, resp.StatusCode, body)
	}
	return body, nil
}

// Readiness probes: a real request each emulator answers once it serves.

func (s *Set) probeDynamo(ctx context.Context) error {
	return s.postJSON(ctx, s.DynamoDB, "DynamoDB_20120810.ListTables", "application/x-amz-json-1.0", `{"Limit":1}`)
}

func (s *Set) probeCognito(ctx context.Context) error {
	return s.postJSON(ctx, s.Cognito, "AWSCognitoIdentityProviderService.ListUserPools", "application/x-amz-json-1.1", `{"MaxResults":1}`)
}

func (s *Set) probeSES(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.SES+"/store", nil)
	if err != nil {
		return err
	}
	_, err = do(s.client(), req)
	return err
}

func (s *Set) probeS3(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.S3+"/", nil)
	if err != nil {
		return err
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil // any answer (403 without credentials) means it serves
}

func (s *Set) postJSON(ctx context.Context, url, target, contentType, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", contentType)
	// Emulators want a SigV4-shaped header but check no signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	_, err = do(s.client(), req)
	return err
}
