package baseline

// None is no handling: the SDK's default client, whose standard retryer does
// not retry a 409, so the first OperationAborted is the caller's error.
func None() Strategy { return Strategy{Name: "none"} }
