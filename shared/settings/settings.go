// Package settings holds the shop's settings: the seat limit of its plan
// and the billing figures that follow from it (seed 001: one seat included,
// €25 a month for each extra), locale, link lifetimes and the shop name.
package settings

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/audit"
	"backoffice/shared/problem"
	"backoffice/shared/store"
	"backoffice/shared/text"
)

// Service reads and changes the settings item.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// View is GET /settings.
type View struct {
	SeatLimit          int     `json:"seatLimit"`
	SeatsUsed          int     `json:"seatsUsed"`
	Billing            Billing `json:"billing"`
	DefaultLocale      string  `json:"defaultLocale"`
	InvitationTTLHours int     `json:"invitationTtlHours"`
	ResetTTLMinutes    int     `json:"resetTtlMinutes"`
	AuditRetentionDays int     `json:"auditRetentionDays"`
	ShopName           string  `json:"shopName"`
	UpdatedAt          string  `json:"updatedAt"`
	Version            int64   `json:"version"`
}

// Billing is what the seats cost each month.
type Billing struct {
	IncludedSeats          int    `json:"includedSeats"`
	PricePerExtraSeatCents int    `json:"pricePerExtraSeatCents"`
	Currency               string `json:"currency"`
	MonthlyCostCents       int    `json:"monthlyCostCents"`
}

// MonthlyCost is max(0, seatsUsed − includedSeats) × price per extra seat.
func MonthlyCost(seatsUsed, included, priceCents int) int {
	return max(0, seatsUsed-included) * priceCents
}

func viewOf(s *store.Settings) View {
	return View{
		SeatLimit: s.SeatLimit, SeatsUsed: s.SeatsUsed,
		Billing: Billing{
			IncludedSeats: s.IncludedSeats, PricePerExtraSeatCents: s.PricePerExtraSeatCents, Currency: s.Currency,
			MonthlyCostCents: MonthlyCost(s.SeatsUsed, s.IncludedSeats, s.PricePerExtraSeatCents),
		},
		DefaultLocale: s.DefaultLocale, InvitationTTLHours: s.InvitationTTLHours, ResetTTLMinutes: s.ResetTTLMinutes,
		AuditRetentionDays: s.AuditRetentionDays, ShopName: s.ShopName, UpdatedAt: s.UpdatedAt, Version: s.Version,
	}
}

// Get reads the settings.
func (s *Service) Get(ctx context.Context) (*View, error) {
	var st store.Settings
	if err := s.Store.Get(ctx, store.SettingsKey(), &st, true); err != nil {
		return nil, err
	}
	v := viewOf(&st)
	return &v, nil
}

// Patch is PATCH /settings; nil fields stay.
type Patch struct {
	SeatLimit              *int    `json:"seatLimit,omitempty"`
	IncludedSeats          *int    `json:"includedSeats,omitempty"`
	PricePerExtraSeatCents *int    `json:"pricePerExtraSeatCents,omitempty"`
	DefaultLocale          *string `json:"defaultLocale,omitempty"`
	InvitationTTLHours     *int    `json:"invitationTtlHours,omitempty"`
	ResetTTLMinutes        *int    `json:"resetTtlMinutes,omitempty"`
	AuditRetentionDays     *int    `json:"auditRetentionDays,omitempty"`
	ShopName               *string `json:"shopName,omitempty"`
}

// seatLimitMax is the highest seat limit.
const seatLimitMax = 10000

type intField struct {
	name     string
	v        *int
	min, max int
}

func (p *Patch) validate() error {
	var f problem.Fields
	for _, x := range []intField{
		{"seatLimit", p.SeatLimit, 1, seatLimitMax}, {"includedSeats", p.IncludedSeats, 0, 10000},
		{"pricePerExtraSeatCents", p.PricePerExtraSeatCents, 0, 1000000},
		{"invitationTtlHours", p.InvitationTTLHours, 1, 30 * 24}, {"resetTtlMinutes", p.ResetTTLMinutes, 5, 24 * 60},
		{"auditRetentionDays", p.AuditRetentionDays, 30, 3650},
	} {
		if x.v != nil && (*x.v < x.min || *x.v > x.max) {
			f.Add(problem.OutOfRange(x.name, int64(x.min), int64(x.max)))
		}
	}
	if p.DefaultLocale != nil && *p.DefaultLocale != "nl" && *p.DefaultLocale != "en" && *p.DefaultLocale != "de" {
		f.Add(problem.NotOneOf("defaultLocale", "nl", "en", "de"))
	}
	if p.ShopName != nil {
		v := text.CleanLine(*p.ShopName)
		switch {
		case text.HasControl(*p.ShopName):
			f.Add(problem.ControlCharacters("shopName"))
		case v == "":
			f.Add(problem.Required("shopName"))
		case len([]rune(v)) > 100:
			f.Add(problem.TooLong("shopName", 100))
		}
		p.ShopName = &v
	}
	return f.Err()
}

// Update changes the settings. The seat limit can not go below the seats in
// use; that is checked again inside the write, so a parallel invite can not
// slip past it.
func (s *Service) Update(ctx context.Context, actor audit.Actor, p Patch, ifMatch int64) (*View, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var st store.Settings
	if err := s.Store.Get(ctx, store.SettingsKey(), &st, true); err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != st.Version {
		return nil, problem.PreconditionFailed
	}
	if p.SeatLimit != nil && *p.SeatLimit < st.SeatsUsed {
		return nil, problem.Invalid(problem.OutOfRange("seatLimit", int64(st.SeatsUsed), seatLimitMax).
			Saying("can not be below the " + strconv.Itoa(st.SeatsUsed) + " seats in use"))
	}
	before := snapshot(&st)
	set := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	set(&st.SeatLimit, p.SeatLimit)
	set(&st.IncludedSeats, p.IncludedSeats)
	set(&st.PricePerExtraSeatCents, p.PricePerExtraSeatCents)
	set(&st.InvitationTTLHours, p.InvitationTTLHours)
	set(&st.ResetTTLMinutes, p.ResetTTLMinutes)
	set(&st.AuditRetentionDays, p.AuditRetentionDays)
	if p.DefaultLocale != nil {
		st.DefaultLocale = *p.DefaultLocale
	}
	if p.ShopName != nil {
		st.ShopName = *p.ShopName
	}
	changes := audit.Diff(before, snapshot(&st))
	if changes == nil {
		v := viewOf(&st)
		return &v, nil
	}
	now := s.Now().UTC()
	st.UpdatedAt = now.Format(time.RFC3339)
	update := expression.Set(expression.Name("updatedAt"), expression.Value(st.UpdatedAt)).
		Add(expression.Name("version"), expression.Value(1))
	for k, c := range changes {
		update = update.Set(expression.Name(k), expression.Value(c.After))
	}
	cond := expression.Name("version").Equal(expression.Value(st.Version)).
		And(expression.Name("seatsUsed").LessThanEqual(expression.Value(st.SeatLimit)))
	tx := s.Store.Tx()
	tx.Update(store.SettingsKey(), update, &cond, problem.PreconditionFailed.With("Settings or seats changed meanwhile; reload and try again."))
	ev := audit.New(actor, "settings.update", "settings", "shop", "Changed settings", now)
	ev.Changes = changes
	ev.Add(tx)
	if err := s.Store.Write(ctx, tx); err != nil {
		return nil, err
	}
	st.Version++
	v := viewOf(&st)
	return &v, nil
}

func snapshot(s *store.Settings) map[string]any {
	return map[string]any{
		"seatLimit": s.SeatLimit, "includedSeats": s.IncludedSeats, "pricePerExtraSeatCents": s.PricePerExtraSeatCents,
		"defaultLocale": s.DefaultLocale, "invitationTtlHours": s.InvitationTTLHours, "resetTtlMinutes": s.ResetTTLMinutes,
		"auditRetentionDays": s.AuditRetentionDays, "shopName": s.ShopName,
	}
}
