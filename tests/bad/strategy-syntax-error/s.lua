return {
  name = 'x',
  workers = = 3,
}
