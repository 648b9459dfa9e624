using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;

namespace GameLedger.Tests
{
    /// <summary>
    /// The SDK against a real `gameledger serve`: mono Runner.exe BASE_URL SERVICE_ACCOUNT
    /// (the service password in GAMELEDGER_SERVICE_PASSWORD). Prints one line per check; exit 1
    /// at the first failure.
    /// </summary>
    static class Runner
    {
        static readonly List<RetryEvent> Retries = new List<RetryEvent>();

        static int Main(string[] args)
        {
            try
            {
                Offline();
                RunAsync(new Uri(args[0]), args[1], Environment.GetEnvironmentVariable("GAMELEDGER_SERVICE_PASSWORD")).GetAwaiter().GetResult();
                Console.WriteLine("ALL OK");
                return 0;
            }
            catch (Exception e)
            {
                Console.WriteLine("FAIL " + e);
                return 1;
            }
        }

        static void Check(bool ok, string what)
        {
            if (!ok) throw new Exception("check failed: " + what);
            Console.WriteLine("ok - " + what);
        }

        static GameLedgerOptions Options(string baseUrl)
        {
            return new GameLedgerOptions
            {
                BaseUrl = baseUrl, Transport = new HttpClientTransport(), FirstBackoff = TimeSpan.FromMilliseconds(50),
                OnRetry = r => { lock (Retries) Retries.Add(r); },
            };
        }

        static void Offline()
        {
            var text = "{\"a\":[1,-2,3.5,true,null],\"s\":\"q\\\"\\u00e9\\n\\ud83d\\ude00\",\"big\":9007199254740993}";
            var parsed = (Dictionary<string, object>)Json.Parse(text);
            Check((long)parsed["big"] == 9007199254740993L, "JSON integers stay exact 64-bit longs");
            Check((string)parsed["s"] == "q\"\u00e9\n\U0001F600".Replace("\U0001F600", "\ud83d\ude00"), "JSON strings unescape (surrogate pairs included)");
            Check(Json.Write(Json.Parse(Json.Write(parsed))) == Json.Write(parsed), "JSON writes what it reads");
            var request = new PurchaseRequest { Item = "gold_coin", Quantity = 2 };
            Check(Json.Write(request) == "{\"item\":\"gold_coin\",\"quantity\":2}", "models omit unset optional members");
            Check(ProblemInfo.ParseRetryAfter("3", DateTime.UtcNow) == TimeSpan.FromSeconds(3), "Retry-After in seconds");
            var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            Check(ProblemInfo.ParseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now) == TimeSpan.FromSeconds(5), "Retry-After as an HTTP-date");
        }

        static async Task RunAsync(Uri baseUri, string serviceAccount, string servicePassword)
        {
            var baseUrl = baseUri.ToString();
            var alice = new PlayerClient(Options(baseUrl));
            var users = new Dictionary<string, string>();
            foreach (var name in new[] { "alice", "bob", "carol", "dave" })
            {
                var key = "signup-" + name;
                var made = await new PlayerClient(Options(baseUrl)).SignupAsync(new SignupRequest { Username = name, Password = "correct-horse-9" }, key);
                users[name] = made.UserId;
            }
            Check(users.Count == 4, "four players signed up");
            var throttled = Retries.Where(r => r.Problem is RateLimitedException).ToList();
            Check(throttled.Count >= 1 && throttled[0].Delay >= TimeSpan.FromSeconds(1) && throttled[0].IdempotencyKey == "signup-dave",
                "a 429 signup was retried after its Retry-After, with the same key (" + Retries.Count + " retries)");

            // Login and refresh-token rotation.
            var changes = 0;
            alice.Session.Changed += s => changes++;
            var login = await alice.LoginAsync("alice", "correct-horse-9", refresh: true, accessTtl: 2);
            Check(login.RefreshToken != null && alice.Session.AccessToken == login.Token, "login keeps the access and refresh tokens");
            var first = alice.Session.RefreshToken;
            await alice.RefreshAsync();
            Check(alice.Session.RefreshToken != first && alice.Session.AccessToken != login.Token, "refresh rotates both tokens");
            var second = alice.Session.RefreshToken;
            await Task.Delay(1200);
            var before = await alice.GetBalanceAsync();
            Check(alice.Session.RefreshToken != second, "a short-lived token is refreshed before it expires");
            alice.Session.Restore(alice.Session.RefreshToken, "not-a-token");
            await alice.GetBalanceAsync();
            Check(alice.Session.AccessToken != "not-a-token" && changes >= 4, "a 401 refreshes once and repeats the call");

            // Top up, buy, be refused.
            var topped = await alice.TopUpAsync(new TopUpRequest { Amount = 100 });
            Check(topped.Balance == before.Balance + 100, "top-up credits 100");
            var bought = await alice.PurchaseAsync(new PurchaseRequest { Item = "treasure_box" });
            Check(bought.Balance == topped.Balance - 50 && bought.Inventory["treasureBoxes"] == before.Inventory["treasureBoxes"] + 1, "a treasure box costs 50");
            try
            {
                await alice.PurchaseAsync(new PurchaseRequest { Item = "treasure_box", Quantity = 100 });
                Check(false, "an unaffordable purchase is refused");
            }
            catch (InsufficientFundsException e)
            {
                Check(e.Status == 422 && e.Type == "insufficient-funds" && e.Balance == bought.Balance && e.Cost == 5000 && !string.IsNullOrEmpty(e.Error),
                    "insufficient funds is a typed exception with balance, cost and a sentence: " + e.Error);
            }

            // A lost answer: the purchase went through, the client heard nothing and retried.
            var proxy = new DropProxy(baseUri.Port);
            proxy.Start();
            Retries.Clear();
            var viaProxy = new PlayerClient(Options("http://127.0.0.1:" + proxy.Port), alice.Session);
            var coin = await viaProxy.PurchaseAsync(new PurchaseRequest { Item = "gold_coin" });
            proxy.Stop();
            var keys = proxy.Heads.Select(h => h.Split('\n').First(l => l.StartsWith("Idempotency-Key", StringComparison.OrdinalIgnoreCase)).Trim()).ToList();
            Check(Retries.Count == 1 && Retries[0].NetworkError != null, "the dropped connection was retried once");
            Check(keys.Count == 2 && keys[0] == keys[1], "both attempts carried the same Idempotency-Key");
            Check(proxy.DroppedResponse != null && proxy.DroppedResponse.Contains(coin.TransferId), "the retry answered the lost answer's transfer");
            var after = await alice.GetBalanceAsync();
            Check(after.Balance == bought.Balance - 10 && after.Inventory["goldCoins"] == before.Inventory["goldCoins"] + 1, "charged once: 10 diamonds, one gold coin");
            var history = await alice.GetHistoryAsync(50);
            Check(history.Entries.Count(e => e.Code == "purchase") == 2, "history holds two purchases, not three");

            await GameServerAsync(baseUrl, serviceAccount, servicePassword, users);
        }

        static async Task GameServerAsync(string baseUrl, string account, string password, Dictionary<string, string> users)
        {
            var game = new GameServerClient(Options(baseUrl));
            await game.LoginAsync(account, password);
            Check(game.Session.AccessToken != null, "the game server logs in with its service account");
            var grant = await game.GrantAsync(new GrantRequest { Player = "bob", Amount = 300, Reason = "welcome" });
            var carol = new PlayerClient(Options(baseUrl));
            await carol.LoginAsync("carol", "correct-horse-9");
            await game.GrantAsync(new GrantRequest { Player = "carol", Amount = 300, Reason = "welcome" });
            Check(grant.Player == "bob" && grant.Balance >= 300, "a grant credits bob");
            var h1 = await game.PlaceHoldAsync(new HoldRequest { Player = "bob", Asset = "diamond", Amount = 100, ExpiresIn = 600 });
            var h2 = await game.PlaceHoldAsync(new HoldRequest { Player = "carol", Asset = "diamond", Amount = 100, ExpiresIn = 600 });
            Check(h1.Status == HoldResponse.StatusValues.Pending && h2.Amount == 100, "two stakes held");
            var match = new SettlementRequest { Holds = new List<string> { h1.HoldId, h2.HoldId }, Payouts = new List<PayoutItem> { new PayoutItem { To = "carol", Amount = 180 } }, Memo = "match 7" };
            var settled = await game.SettleAsync(match, "match-7");
            Check(settled.Pot == 200 && settled.Paid == 180 && settled.Rake == 20, "the match settles: pot 200, paid 180, rake 20");
            var again = await game.SettleAsync(match, "match-7");
            Check(again.TransferId == settled.TransferId, "the same settlement key answers the first settlement");
            Check((await game.GetHoldAsync(h1.HoldId)).Status == HoldResponse.StatusValues.Captured, "the hold is captured");
            Check((await carol.GetBalanceAsync()).Balance == 300 - 100 + 180, "carol won 180");
            var h3 = await game.PlaceHoldAsync(new HoldRequest { Player = "bob", Asset = "diamond", Amount = 5, ExpiresIn = 600 });
            Check((await game.VoidHoldAsync(h3.HoldId, new VoidRequest { Reason = "match cancelled" })).Status == HoldResponse.StatusValues.Voided, "a hold is voided");
            try
            {
                await game.SettleAsync(new SettlementRequest { Holds = new List<string> { h1.HoldId }, Payouts = new List<PayoutItem>() });
                Check(false, "a captured hold cannot settle again");
            }
            catch (ConflictException e)
            {
                Check(e.Type == "hold-not-pending", "settling a captured hold is a 409 hold-not-pending");
            }
            var batch = new BatchRequest
            {
                Atomic = true,
                Transfers = new List<BatchTransfer>
                {
                    new BatchTransfer { Kind = BatchTransfer.KindValues.TopUp, PlayerId = users["dave"], Amount = 40 },
                    new BatchTransfer { Kind = BatchTransfer.KindValues.TopUp, PlayerId = users["bob"], Amount = 60 },
                },
            };
            var applied = await game.BatchAsync(batch);
            Check(applied.Applied == 2 && applied.Failed == 0, "a batch of two top-ups applies");
            var replayed = await game.BatchAsync(batch);
            Check(replayed.Replayed == 2 && replayed.Applied == 0, "the same batch again replays (its keys were kept)");
        }
    }
}
