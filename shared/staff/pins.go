package staff

import (
	"slices"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"backoffice/shared/auth"
	"backoffice/shared/problem"
	"backoffice/shared/store"
)

// pins are the versions of the roles a permission check read (roles being
// granted, and the roles of the person acted on that the caller does not
// hold), by role id. The write that follows the check is conditioned on
// each of them: a role edited between the check and the write (say a
// permission added that the caller lacks) fails the write with 409 instead
// of letting the caller grant, or act on a holder of, a role they could not.
//
// Pinned are the writes that give something: grants, edits (an edit can
// move the sign-in address) and the resend of an invitation (a new link).
// Activate, deactivate, delete, a reset mail and the resend or cancel of a
// pending address check the same rule, but they give the account back to
// its own person, take it away, or mail an address already checked; a role
// edited in the instant between their check and their write hands nothing
// to the caller.
type pins map[string]int64

// roleChanged is the answer when a pinned role changed meanwhile.
var roleChanged = problem.Conflict.With("A role changed meanwhile; try again.")

// pin records the version of r as read.
func (p *pins) pin(r store.Role) {
	if *p == nil {
		*p = pins{}
	}
	(*p)[r.ID] = r.Version
}

// pinFor pins r when caller's permission check depended on what r holds:
// not for the system (nil) or an owner, who may grant anything, nor for a
// role the caller holds, whose added permissions are the caller's too.
// Pinning only then keeps an owner's grants from failing on a mere edit of
// a role's description.
func (p *pins) pinFor(caller *auth.Caller, r store.Role) {
	if caller == nil || caller.IsOwner() || slices.Contains(caller.RoleIDs, r.ID) {
		return
	}
	p.pin(r)
}

// cond adds the pin of role id, if any, to c, the condition of a write of
// that role item in the same transaction (an item may appear only once in
// a transaction), and marks it written. The write's error becomes
// roleChanged: a pinned role that is gone has changed too, and the retry
// then says what is wrong with it.
func (p pins) cond(id string, c *expression.ConditionBuilder, onFail error) (*expression.ConditionBuilder, error) {
	v, ok := p[id]
	if !ok {
		return c, onFail
	}
	delete(p, id)
	same := expression.Name("version").Equal(expression.Value(v))
	if c != nil {
		same = c.And(same)
	}
	return &same, roleChanged
}

// check adds a ConditionCheck for every pin no write of the transaction
// carried; call it after every role item of tx was added.
func (p pins) check(tx *store.Tx) {
	for id, v := range p {
		tx.Check(store.RoleKey(id), expression.Name("version").Equal(expression.Value(v)), roleChanged)
	}
	clear(p)
}
