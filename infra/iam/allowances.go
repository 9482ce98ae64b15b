package iam

// Allowances are grants that no recorded call uses, each with its reason:
// AWS uses them on the function's behalf, or they serve a recovery path the
// function-level tests can not reach (a fault between two steps). Nothing
// else may be granted without a recorded call that needs it.
var Allowances = []Allowance{
	{Function: "MailSenderFunction", Action: "sqs:SendMessage",
		Why: "the stream event source mapping's OnFailure destination: Lambda sends a failed batch's record to the dead-letter queue with the function's role"},
}
