def test_login_works(client, login):
    login()
    assert client.get("/").status_code == 200
