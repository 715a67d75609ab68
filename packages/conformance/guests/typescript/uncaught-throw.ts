// uncaught-throw: throws a TypeError, which is not a business error (those go
// through fail()). The PDK logs it and traps.
// Expect: internal / guest_exception, with an error log line naming the exception.
export function run(): never {
  throw new TypeError("the deal has no amount");
}
