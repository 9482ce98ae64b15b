package ses

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"backoffice/shared/mail"
)

type fakeSES struct {
	in          *sesv2.SendEmailInput
	hasDeadline bool
	err         error
}

func (f *fakeSES) SendEmail(ctx context.Context, in *sesv2.SendEmailInput, _ ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	f.in = in
	_, f.hasDeadline = ctx.Deadline()
	if f.err != nil {
		return nil, f.err
	}
	return &sesv2.SendEmailOutput{MessageId: aws.String("msg-1")}, nil
}

func TestSESSend(t *testing.T) {
	t.Parallel()
	f := &fakeSES{}
	s := &Sender{client: f, timeout: time.Second}
	id, err := s.Send(context.Background(), mail.Email{From: "a@x.nl", To: "b@y.nl", Subject: "Hé", Text: "t", HTML: "<p>h</p>"})
	if err != nil || id != "msg-1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if !f.hasDeadline {
		t.Error("every SES call needs a deadline")
	}
	msg := f.in.Content.Simple
	if aws.ToString(f.in.FromEmailAddress) != "a@x.nl" || f.in.Destination.ToAddresses[0] != "b@y.nl" {
		t.Errorf("addresses: %+v", f.in)
	}
	for _, c := range []struct{ got, want string }{
		{aws.ToString(msg.Subject.Data), "Hé"}, {aws.ToString(msg.Body.Text.Data), "t"}, {aws.ToString(msg.Body.Html.Data), "<p>h</p>"},
		{aws.ToString(msg.Subject.Charset), "UTF-8"}, {aws.ToString(msg.Body.Text.Charset), "UTF-8"}, {aws.ToString(msg.Body.Html.Charset), "UTF-8"},
	} {
		if c.got != c.want {
			t.Errorf("got %q; want %q", c.got, c.want)
		}
	}

	boom := errors.New("throttled")
	f.err = boom
	if _, err := s.Send(context.Background(), mail.Email{}); !errors.Is(err, boom) {
		t.Errorf("want the SES error wrapped, got %v", err)
	}
}

func TestNewHasTimeout(t *testing.T) {
	t.Parallel()
	if s := New(sesv2.New(sesv2.Options{Region: "eu-west-1"})); s.timeout != 10*time.Second {
		t.Errorf("timeout %v", s.timeout)
	}
}

// SES errors that no retry changes are marked undeliverable; throttling is
// not.
func TestPermanentErrorsAreUndeliverable(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err       error
		permanent bool
	}{
		{&types.MessageRejected{Message: aws.String("Email address is not verified.")}, true},
		{&types.MailFromDomainNotVerifiedException{}, true},
		{&types.BadRequestException{Message: aws.String("Illegal address")}, true},
		{&types.TooManyRequestsException{}, false},
		{&types.SendingPausedException{}, false},
		{errors.New("connection reset"), false},
	} {
		s := &Sender{client: &fakeSES{err: c.err}, timeout: time.Second}
		_, err := s.Send(context.Background(), mail.Email{})
		if got := errors.Is(err, mail.ErrUndeliverable); got != c.permanent || !errors.Is(err, c.err) {
			t.Errorf("%T: undeliverable %v, want %v (err %v)", c.err, got, c.permanent, err)
		}
	}
}
