// uncaught-throw: throws a TypeError, which is not a business error (those go
// through fail()). The PDK logs it and traps.
// Expect: resource_exhausted / trap, with an error log line naming the exception.
export function run(): never {
  throw new TypeError("the deal has no amount");
}
